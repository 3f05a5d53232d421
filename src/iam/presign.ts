import { invalidInput } from '../errors.js';
import { trustsService } from './documents.js';
import type { Roles } from './roles.js';
import type { Sessions } from './sessions.js';

/** The service principal a role must trust for IoT Jobs to sign URLs as it (aws-wire-protocols.md §5). */
export const JOBS_SERVICE = 'iot.amazonaws.com';

/**
 * A SigV4 query signer (the composition root passes protocols/sigv4's
 * presignUrl; the domain stays protocol-free).
 */
export type UrlSigner = (request: {
  method: 'GET';
  /** `https://host:port` */
  origin: string;
  /** Already encoded: `/bucket/key%20x`. */
  path: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  region: string;
  service: 's3';
  expiresSec: number;
  nowMs: number;
}) => string | Promise<string>;

export interface PresignRequest {
  roleArn: string;
  bucket: string;
  key: string;
  /** X-Amz-Expires: 1 to 604,800 seconds (aws-wire-protocols.md §4.4). */
  expiresSec: number;
}

/**
 * Sessions minted for one URL live 15 minutes longer than the URL, so a URL
 * past its X-Amz-Expires is refused as S3 words it ("Request has expired"),
 * not as an expired token.
 */
export const PRESIGN_SESSION_MARGIN_SEC = 900;

/** S3 object keys are encoded per segment in path-style URLs; `/` stays. */
const encodeKey = (key: string): string => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

/**
 * "Sign a GET for bucket/key as role R for N seconds", for the jobs engine.
 * The URL carries a fresh role session's key and token; S3 authorizes it
 * against R's policies when it is used, so removing s3:GetObject from R
 * stops outstanding URLs.
 */
export class RolePresigner {
  constructor(
    private readonly deps: {
      roles: Roles;
      sessions: Sessions;
      sign: UrlSigner;
      region: string;
      nowMs: () => number;
      /** Ferry's S3 endpoint at the advertised host, known once the listeners are up. */
      s3Endpoint: () => string;
    },
  ) {}

  /** The role behind `roleArn`, if it exists and trusts iot.amazonaws.com; else a message saying which is missing. */
  async presignableRole(roleArn: string) {
    const role = await this.deps.roles.findByArn(roleArn);
    if (!role) throw invalidInput(`Role ${roleArn} does not exist.`, 'role-missing');
    if (!trustsService(role.trustPolicy, JOBS_SERVICE)) {
      throw invalidInput(
        `Role ${roleArn} does not trust ${JOBS_SERVICE}: its trust policy must allow sts:AssumeRole to the service principal ${JOBS_SERVICE}.`,
        'role-not-trusted',
      );
    }
    return role;
  }

  async presignGet(request: PresignRequest): Promise<string> {
    if (!Number.isInteger(request.expiresSec) || request.expiresSec < 1 || request.expiresSec > 604800) {
      throw invalidInput(`expiresSec must be an integer from 1 to 604800 (got ${request.expiresSec}).`);
    }
    const role = await this.presignableRole(request.roleArn);
    const credentials = await this.deps.sessions.issue(role, { sessionName: 'ferry-presign', durationSeconds: request.expiresSec + PRESIGN_SESSION_MARGIN_SEC });
    return await this.deps.sign({
      method: 'GET',
      origin: this.deps.s3Endpoint(),
      // Path-style, which Ferry's S3 serves and its certificate covers (DESIGN.md).
      path: `/${encodeURIComponent(request.bucket)}/${encodeKey(request.key)}`,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      region: this.deps.region,
      service: 's3',
      expiresSec: request.expiresSec,
      nowMs: this.deps.nowMs(),
    });
  }
}
