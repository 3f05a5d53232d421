import type { Principal } from '../iam/principal.js';
import { boundDecisions, type Resolution } from './device-authority.js';

/** Who signed a WebSocket upgrade with SigV4: an access key's principal (never a certificate). */
export type SignedPrincipal = Exclude<Principal, { kind: 'certificate' }>;

/**
 * What the broker needs from IAM for SigV4 connections: the signer's identity
 * policies, judged for `iot:Connect`, `Publish`, `Subscribe`, `Receive` on the
 * same ARNs as IoT policies, as AWS does for IAM callers. Resolving again
 * (after an IAM write) also asks whether the signer still exists.
 */
export interface IamAuthority {
  resolve(principal: SignedPrincipal, connection: { clientId: string; sourceIp?: string | undefined }): Promise<Resolution>;
}

/** IAM's side (structural, so tests can hand in a fake): the domain authorizer and the access keys implement it. */
export interface IamDecisions {
  compile(
    caller: SignedPrincipal,
    opts: { variables?: Record<string, string>; context?: { sourceIp?: string } },
  ): Promise<(action: string, resource: string) => boolean>;
}

export interface SignerKeys {
  /** Throws when the key is unknown, Inactive, or its user gone. */
  resolve(accessKeyId: string, sessionToken: string | undefined, nowMs: number): Promise<unknown>;
  /** Whether a console session's credential still stands: its session live, its sign-in key active. */
  consoleCredentialLive?(accessKeyId: string, nowMs: number): Promise<boolean>;
}

export function iamAuthority(deps: { decisions: IamDecisions; keys: SignerKeys; nowMs: () => number }): IamAuthority {
  return {
    async resolve(principal, connection) {
      const gone = await keyGone(deps, principal);
      if (gone) return { ok: false, reason: 'signer-gone', message: gone };
      // `${iot:ClientId}` resolves in IAM policies for IoT actions as in IoT policies.
      const allows = await deps.decisions.compile(principal, {
        variables: { 'iot:ClientId': connection.clientId },
        ...(connection.sourceIp ? { context: { sourceIp: connection.sourceIp } } : {}),
      });
      return { ok: true, device: { certificateId: principal.accessKeyId, certificateArn: principal.arn, policyNames: [], policy: boundDecisions(allows) } };
    },
  };
}

/**
 * A user's key made Inactive or deleted, or the user deleted, ends its
 * connections; so does the end of the console session whose credential signed. A role session's key is not asked again: its expiry must not
 * close the connection (AWS keeps it to the 24-hour limit), and its role's
 * policies decide the rest.
 */
async function keyGone(deps: { keys: SignerKeys; nowMs: () => number }, principal: SignedPrincipal): Promise<string | undefined> {
  // A console session's connection ends with the session: sign-out, timeout, its sign-in key deactivated or deleted.
  if ((principal.kind === 'user' || principal.kind === 'root') && principal.consoleSession) {
    if (!deps.keys.consoleCredentialLive || (await deps.keys.consoleCredentialLive(principal.accessKeyId, deps.nowMs()))) return undefined;
    return `the console session of ${principal.arn} has ended`;
  }
  if (principal.kind !== 'user') return undefined;
  try {
    await deps.keys.resolve(principal.accessKeyId, undefined, deps.nowMs());
    return undefined;
  } catch {
    return `the access key ${principal.accessKeyId} of ${principal.arn} is no longer active`;
  }
}
