/**
 * Who is making a request, once authenticated — the caller. Protocol-free:
 * adapters build it from a signature or a client certificate, the domain's
 * one authorizer (src/iam/authorizer.ts) decides what it may do.
 */
export type Principal =
  | {
      kind: 'root';
      arn: string;
      accountId: string;
      accessKeyId: string;
      /** The root's GetSessionToken credentials (limited as a user's are). */
      sessionToken?: true;
    }
  | {
      kind: 'user';
      /** arn:aws:iam::A:user/PATH/NAME */
      arn: string;
      accountId: string;
      accessKeyId: string;
      userName: string;
      /** AIDA… (aws:userid). */
      userId: string;
      /**
       * Temporary credentials from GetSessionToken: the user's permissions, but
       * no IAM API and on STS only AssumeRole and GetCallerIdentity (no MFA in Ferry).
       */
      sessionToken?: true;
    }
  | {
      kind: 'role-session';
      arn: string;
      accountId: string;
      accessKeyId: string;
      roleArn: string;
      /** Policy variables of the session, e.g. credentials-iot:ThingName. */
      variables: Record<string, string>;
      /** A session policy (JSON) narrowing the role, when the session was made with one. */
      sessionPolicy?: string;
      /** AssumeRole's SourceIdentity, carried to chained sessions (aws:SourceIdentity). */
      sourceIdentity?: string;
    }
  | {
      kind: 'certificate';
      /** Lowercase hex SHA-256 of the certificate's DER. */
      certificateId: string;
      certificatePem: string;
      /** Whether the TLS layer found a chain to a CA the listener trusts. */
      chainVerified: boolean;
    };

/** What a signing key resolves to. */
export interface ResolvedAccessKey {
  secretAccessKey: string;
  principal: Exclude<Principal, { kind: 'certificate' }>;
}

/** Where a key was used (GetAccessKeyLastUsed): the signature's service and region. */
export interface KeyUse {
  service: string;
  region: string;
}

/** Resolves the access key of a SigV4 signature; throws `unauthenticated` when unknown or expired. */
export interface CredentialResolver {
  resolve(accessKeyId: string, sessionToken: string | undefined, nowMs: number): Promise<ResolvedAccessKey>;
  /** Called once the signature verified. */
  recordUse?(principal: Principal, use: KeyUse, nowMs: number): Promise<void>;
}

/** The caller identity every authorization decision takes (root, user, role session or device). */
export type Caller = Principal;
