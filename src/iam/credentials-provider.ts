import { denied, notFound } from '../errors.js';
import { evaluate } from '../policy/index.js';
import type { DeviceIdentity, DeviceRefusal, IdentityOptions } from '../registry/index.js';
import { trustsService } from './documents.js';
import type { RoleAliases } from './role-aliases.js';
import type { Roles } from './roles.js';
import type { Sessions, TemporaryCredentials } from './sessions.js';

/** The service principal a role used through a role alias must trust (aws-wire-protocols.md §8). */
export const CREDENTIALS_SERVICE = 'credentials.iot.amazonaws.com';

/** What the credentials provider needs of the registry. */
export interface DeviceIdentities {
  resolveDeviceIdentity(certificate: string, options: IdentityOptions): Promise<DeviceIdentity | DeviceRefusal>;
}

export interface CertificateCredentialsRequest {
  /** The certificate the device presented: its id (lowercase hex SHA-256 of the DER), or its PEM. */
  certificate: string;
  roleAlias: string;
  /** x-amzn-iot-thingname: when given, the thing must have this certificate attached. */
  thingName?: string | undefined;
}

/**
 * The IoT credentials provider: a device trades its certificate for the
 * temporary credentials of the role behind a role alias (aws-wire-protocols.md §8).
 * Checks, in order, so a device learns nothing it may not know: the
 * certificate is registered and ACTIVE; the named thing has it attached;
 * its IoT policies allow iot:AssumeRoleWithCertificate on the alias ARN;
 * the alias exists; its role exists and trusts credentials.iot.amazonaws.com.
 * Refusals are Denied (403), an unknown alias NotFound (404).
 */
export class CredentialsProvider {
  constructor(
    private readonly deps: { identities: DeviceIdentities; aliases: RoleAliases; roles: Roles; sessions: Sessions },
  ) {}

  async exchange(request: CertificateCredentialsRequest): Promise<TemporaryCredentials> {
    const identity = await this.deps.identities.resolveDeviceIdentity(request.certificate, request.thingName === undefined ? {} : { thingName: request.thingName });
    if (!identity.ok) throw denied(identity.message, identity.reason);
    const aliasArn = this.deps.aliases.arnOf(request.roleAlias);
    const decision = evaluate(identity.policies, { action: 'iot:AssumeRoleWithCertificate', resource: aliasArn });
    if (decision.effect !== 'Allow') {
      const why = decision.effect === 'ExplicitDeny' ? 'explicitly deny' : 'do not allow';
      throw denied(`The policies of certificate ${identity.certificate.id} ${why} iot:AssumeRoleWithCertificate on ${aliasArn}.`, 'not-authorized');
    }
    const alias = await this.deps.aliases.find(request.roleAlias);
    if (!alias) throw notFound('role-alias', `Role alias ${request.roleAlias} does not exist.`);
    const role = await this.deps.roles.findByArn(alias.roleArn);
    if (!role) throw denied(`Role alias ${alias.roleAlias} points at role ${alias.roleArn}, which does not exist.`, 'role-missing');
    if (!trustsService(role.trustPolicy, CREDENTIALS_SERVICE)) {
      throw denied(
        `Role ${role.arn} does not trust ${CREDENTIALS_SERVICE}: its trust policy must allow sts:AssumeRole to the service principal ${CREDENTIALS_SERVICE}.`,
        'role-not-trusted',
      );
    }
    // AWS: the alias's duration, never longer than the role's MaxSessionDuration (it may have been lowered since).
    const durationSeconds = Math.min(alias.credentialDurationSeconds, role.maxSessionDuration);
    return this.deps.sessions.issue(role, { sessionName: identity.certificate.id, durationSeconds, variables: sessionVariables(identity, request.thingName !== undefined) });
  }
}

/**
 * IAM policy variables of a credentials-provider session (aws-wire-protocols.md §8):
 * the certificate id always, the thing's name and type only when the request named the thing.
 */
function sessionVariables(identity: DeviceIdentity, thingNamed: boolean): Record<string, string> {
  const vars: Record<string, string> = { 'credentials-iot:AwsCertificateId': identity.certificate.id };
  if (thingNamed && identity.thing) {
    vars['credentials-iot:ThingName'] = identity.thing.name;
    if (identity.thing.typeName !== undefined) vars['credentials-iot:ThingTypeName'] = identity.thing.typeName;
  }
  return vars;
}
