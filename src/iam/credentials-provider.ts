import { denied, invalidInput, notFound } from '../errors.js';
import { dependencies, evaluate, type CompiledPolicySet } from '../policy/index.js';
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
  /** Credentials were issued for this certificate (a rotated-in certificate's first use retires the old one). */
  certificateUsed?(certificateId: string): Promise<void>;
}

/** What the credentials provider needs of the role's permissions: its policies, to see what they read. */
export interface RolePolicySource {
  compiledOf(roleArn: string): Promise<{ compiled: CompiledPolicySet }>;
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
 * with no thing named, its policies' statements about
 * iot:AssumeRoleWithCertificate use no thing variable; they allow it on the
 * alias ARN; the alias exists; its role exists and trusts
 * credentials.iot.amazonaws.com; with no thing named, the role's policies use
 * neither credentials-iot:ThingName nor ThingTypeName. Refusals are Denied
 * (403), an unknown alias NotFound (404), a thing variable with no thing
 * named InvalidInput (400).
 */
export class CredentialsProvider {
  constructor(
    private readonly deps: { identities: DeviceIdentities; aliases: RoleAliases; roles: Roles; sessions: Sessions; permissions: RolePolicySource },
  ) {}

  async exchange(request: CertificateCredentialsRequest): Promise<TemporaryCredentials> {
    const identity = await this.deps.identities.resolveDeviceIdentity(request.certificate, request.thingName === undefined ? {} : { thingName: request.thingName });
    if (!identity.ok) throw denied(identity.message, identity.reason);
    const unnamed = request.thingName === undefined;
    if (unnamed) requireNoThingVariables(dependencies(identity.compiled, ASSUME_ACTION), IOT_THING_VARIABLE, `The IoT policies of certificate ${identity.certificate.id} that decide ${ASSUME_ACTION}`);
    const aliasArn = this.deps.aliases.arnOf(request.roleAlias);
    const decision = evaluate(identity.policies, { action: ASSUME_ACTION, resource: aliasArn });
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
    if (unnamed) requireNoThingVariables(dependencies((await this.deps.permissions.compiledOf(role.arn)).compiled), CREDENTIALS_THING_VARIABLE, `The policies of role ${role.arn}`);
    // AWS: the alias's duration, never longer than the role's MaxSessionDuration (it may have been lowered since).
    const durationSeconds = Math.min(alias.credentialDurationSeconds, role.maxSessionDuration);
    const issued = await this.deps.sessions.issue(role, { sessionName: identity.certificate.id, durationSeconds, variables: sessionVariables(identity, request.thingName !== undefined) });
    await this.deps.identities.certificateUsed?.(identity.certificate.id);
    return issued;
  }
}

const ASSUME_ACTION = 'iot:AssumeRoleWithCertificate';
// What only the thing named by x-amzn-iot-thingname can supply, as dependencies() names them (lowercased).
const IOT_THING_VARIABLE = /^iot:(connection\.)?thing\./;
const CREDENTIALS_THING_VARIABLE = /^credentials-iot:thing(name|typename)$/;

/**
 * Without x-amzn-iot-thingname a request names no thing, so thing variables have no value. AWS says the
 * header is needed when policies use them; Ferry refuses the request rather than decide on, or hand out a
 * session whose policies hold, variables that silently resolve to nothing (issue 24).
 */
function requireNoThingVariables(names: Set<string>, thingVariable: RegExp, whose: string): void {
  const used = [...names].filter((n) => thingVariable.test(n)).sort();
  if (used.length === 0) return;
  throw invalidInput(`${whose} use ${used.join(', ')}: name the thing in the x-amzn-iot-thingname header.`, 'thing-name-required');
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
