import type { Principal } from '../iam/principal.js';
import type { BoundPolicySet } from '../policy/index.js';
import { boundPolicy, type DevicePolicy, type Resolution } from './device-authority.js';

/** Who signed a WebSocket upgrade with SigV4: an access key's principal (never a certificate). */
export type SignedPrincipal = Exclude<Principal, { kind: 'certificate' }>;

/**
 * What the broker needs from IAM for SigV4 connections: the signer's identity
 * policies, judged for `iot:Connect`, `Publish`, `Subscribe`, `Receive` on the
 * same ARNs as IoT policies, as AWS does for IAM callers.
 */
export interface IamAuthority {
  resolve(principal: SignedPrincipal, connection: { clientId: string; sourceIp?: string | undefined }): Promise<Resolution>;
}

/** IAM's side (structural, so tests can hand in a fake): RolePermissions implements it. */
export interface IamPolicySource {
  /** The principal's identity policies bound with its variables; null for a principal without any (root). */
  policiesFor(principal: Principal): Promise<BoundPolicySet | null>;
}

/** The root key may do everything, as on AWS. */
const ALLOW_ALL: DevicePolicy = { allows: () => true };

export function iamAuthority(source: IamPolicySource): IamAuthority {
  return {
    async resolve(principal, connection) {
      const identity = { certificateId: principal.accessKeyId, certificateArn: principal.arn, policyNames: [] };
      if (principal.kind === 'root') return { ok: true, device: { ...identity, policy: ALLOW_ALL } };
      // `${iot:ClientId}` resolves in IAM policies for IoT actions as in IoT policies.
      const variables = { ...('variables' in principal ? principal.variables : {}), 'iot:ClientId': connection.clientId };
      const bound = await source.policiesFor({ ...principal, variables } as Principal);
      if (!bound) return { ok: false, reason: 'no-identity-policies', message: `${principal.arn} has no IAM policies that could allow iot:Connect` };
      const context = { 'aws:SourceIp': connection.sourceIp, 'iot:ClientId': connection.clientId };
      return { ok: true, device: { ...identity, policy: boundPolicy(bound, context) } };
    },
  };
}
