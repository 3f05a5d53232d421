import type { FastifyInstance } from 'fastify';
import { unauthenticated } from '../../errors.js';
import { pathLabel, sendJson } from '../../protocols/rest-json.js';
import type { AppContext } from '../../server/context.js';

/** `2023-10-02T13:30:09Z`: ISO-8601 UTC at second precision, as AWS answers (aws-wire-protocols.md §8). */
const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The IoT credentials provider: `GET /role-aliases/{alias}/credentials` with
 * a client certificate (no SigV4) and `x-amzn-iot-thingname`, answering
 * `{"credentials":{…}}` in well under the 2,048 bytes the AWS CRT client
 * accepts (aws-wire-protocols.md §8). Refusals: 403 with a JSON message; an
 * unknown alias (for a device allowed to ask for it) 404.
 */
export function registerCredentialsRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.route({
    method: 'GET',
    url: '/role-aliases/:roleAlias/credentials',
    config: { protocol: 'rest-json', service: 'credentials', auth: { mode: 'certificate' } },
    handler: async (request, reply) => {
      const principal = request.principal;
      if (principal?.kind !== 'certificate') throw unauthenticated('The credentials provider needs a client certificate.', 'missing-authentication');
      const thingName = request.headers['x-amzn-iot-thingname'];
      const credentials = await ctx.services.iam.credentialsForCertificate({
        // The listener hashed the certificate already; the registry need not parse it again.
        certificate: principal.certificateId,
        roleAlias: pathLabel(request, 'roleAlias'),
        thingName: typeof thingName === 'string' && thingName !== '' ? thingName : undefined,
      });
      return sendJson(reply, {
        credentials: {
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiration: isoSeconds(credentials.expiration),
        },
      });
    },
  });
}
