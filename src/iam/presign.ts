import { invalidInput } from '../errors.js';
import { trustsService } from './documents.js';
import type { Role, Roles } from './roles.js';
import type { Sessions, TemporaryCredentials } from './sessions.js';

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
 * Signing sessions live 15 minutes longer than the last URL they sign, so a URL
 * past its X-Amz-Expires is refused as S3 words it ("Request has expired"),
 * not as an expired token.
 */
export const PRESIGN_SESSION_MARGIN_SEC = 900;

/**
 * One role session signs every link of that role and lifetime for this long,
 * then a new one is minted. Signing a link for each of 10,000 devices would
 * otherwise write 10,000 session keys (the fleet benchmark's profile); the
 * session lives this much longer, so the last link it signs still outlives
 * its X-Amz-Expires by the margin.
 */
export const PRESIGN_SESSION_REUSE_SEC = 300;

const MAX_SIGNING_SESSIONS = 1000;

/** S3 object keys are encoded per segment in path-style URLs; `/` stays. */
const encodeKey = (key: string): string => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

/**
 * "Sign a GET for bucket/key as role R for N seconds", for the jobs engine.
 * The URL carries a role session's key and token (a session signs the
 * role's links for PRESIGN_SESSION_REUSE_SEC); S3 authorizes it
 * against R's policies when it is used, so removing s3:GetObject from R
 * stops outstanding URLs.
 */
export class RolePresigner {
  /** Signing sessions by role id and link lifetime, with when they were minted. */
  private readonly signing = new Map<string, { issuedAt: number; credentials: Promise<TemporaryCredentials> }>();

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
    const credentials = await this.signingSession(role, request.expiresSec);
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

  /** The role's current signing session for links of `expiresSec`, minted anew every PRESIGN_SESSION_REUSE_SEC. */
  private signingSession(role: Role, expiresSec: number): Promise<TemporaryCredentials> {
    const now = this.deps.nowMs();
    const key = `${role.roleId}\n${expiresSec}`;
    const current = this.signing.get(key);
    // A clock moved back (tests) starts a new session too: the old one's window is not "now".
    if (current && now >= current.issuedAt && now < current.issuedAt + PRESIGN_SESSION_REUSE_SEC * 1000) return current.credentials;
    const credentials = this.deps.sessions.issue(role, { sessionName: 'ferry-presign', durationSeconds: expiresSec + PRESIGN_SESSION_MARGIN_SEC + PRESIGN_SESSION_REUSE_SEC });
    this.signing.delete(key);
    this.signing.set(key, { issuedAt: now, credentials });
    credentials.catch(() => {
      if (this.signing.get(key)?.credentials === credentials) this.signing.delete(key);
    });
    if (this.signing.size > MAX_SIGNING_SESSIONS) this.signing.delete(this.signing.keys().next().value!);
    return credentials;
  }
}
