/**
 * One request of a device that is not on an MQTT connection — the Jobs HTTPS
 * data plane, authenticated by the client certificate of its TLS session —
 * decided by the certificate's IoT policies. As AWS documents ("Thing policy
 * variables"), thing policy variables such as
 * `${iot:Connection.Thing.ThingName}` resolve only for MQTT and
 * MQTT-over-WebSocket connections: here they stay unresolved, so a statement
 * using them matches nothing, while certificate variables
 * (`${iot:Certificate.Subject.CommonName}`…) resolve. Because that surprises
 * people whose MQTT policy works, a refusal says so.
 */
import { denied, invalidInput } from '../errors.js';
import { evaluate } from '../policy/index.js';
import type { Identities } from './identity.js';
import type { EffectiveDocument } from './policies.js';

export interface DeviceRequest {
  /** The certificate's id (lowercase hex SHA-256 of its DER) or PEM. */
  certificate: string;
  /** An IoT policy action, e.g. iot:UpdateJobExecution. */
  action: string;
  /** The resource ARN, e.g. arn:aws:iot:R:A:thing/NAME. */
  resource: string;
  sourceIp?: string | undefined;
}

/** How the identity of a request off MQTT is resolved: no client id, no thing variables. */
export const OFF_MQTT = { thingVariables: false } as const;

const THING_VARIABLE = /\$\{(iot:Connection\.Thing\.[^}]+)\}/g;

/** The thing policy variables the documents use (sorted, each once). */
export function thingVariablesIn(documents: readonly EffectiveDocument[]): string[] {
  const found = new Set<string>();
  for (const d of documents) for (const m of d.document.matchAll(THING_VARIABLE)) found.add(m[1]!);
  return [...found].sort();
}

/** Why thing variables did not help, for messages and TestAuthorization. */
export const THING_VARIABLES_OFF_MQTT = 'thing policy variables resolve only on MQTT connections, not over HTTPS';

/**
 * Resolves when the certificate may do `action` on `resource`. Throws
 * InvalidInput (reason certificate-validation) when the certificate cannot be
 * used at all (unknown, not ACTIVE, expired, its CA gone or inactive), and
 * Denied (reason not-authorized) when its policies do not allow the request.
 */
export async function authorizeDeviceRequest(identities: Identities, request: DeviceRequest): Promise<{ certificateId: string }> {
  const identity = await identities.resolve(request.certificate, OFF_MQTT);
  if (!identity.ok) throw invalidInput(identity.message, 'certificate-validation');
  const context = request.sourceIp === undefined ? {} : { 'aws:SourceIp': request.sourceIp };
  const decision = evaluate(identity.policies, { action: request.action, resource: request.resource, context });
  if (decision.effect === 'Allow') return { certificateId: identity.certificate.id };
  const who = `Certificate ${identity.certificate.id} is not authorized to perform ${request.action} on ${request.resource}`;
  if (decision.effect === 'ExplicitDeny') throw denied(`${who}: a policy explicitly denies it.`, 'not-authorized');
  const used = thingVariablesIn(identity.documents);
  const note =
    used.length === 0
      ? ''
      : ` Its policies use ${used.map((v) => `\${${v}}`).join(', ')}, but ${THING_VARIABLES_OFF_MQTT} (as on AWS IoT), so statements using them match nothing here:` +
        ' name the thing in the resource (thing/NAME) or use a certificate variable such as ${iot:Certificate.Subject.CommonName}.';
  throw denied(`${who}: no policy of the certificate allows it.${note}`, 'not-authorized');
}
