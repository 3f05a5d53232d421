import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import { invalidInput } from '../errors.js';
import type { Database } from '../store/schema.js';
import { CredentialsProvider, type CertificateCredentialsRequest, type DeviceIdentities } from './credentials-provider.js';
import { engineDocuments, type PolicyDocuments } from './documents.js';
import { ManagedPolicies } from './managed-policies.js';
import { RolePresigner, type PresignRequest, type UrlSigner } from './presign.js';
import { RoleAliases } from './role-aliases.js';
import { RolePermissions } from './role-permissions.js';
import { RolePolicies } from './role-policies.js';
import { Roles, type Role } from './roles.js';
import { Sessions, type TemporaryCredentials } from './sessions.js';
import type { SecretBox } from './secrets.js';
import { Users } from './users.js';
import { Groups } from './groups.js';
import { OwnerPolicies } from './identity-policies.js';
import { UserKeys } from './user-keys.js';
import { LoginProfiles } from './login-profiles.js';
import { Authorizer } from './authorizer.js';
import { SecurityTokens } from './sts.js';
import { managedPolicyDocument } from './identity-policies.js';

export interface IamServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  accountId: string;
  region: string;
  identities: DeviceIdentities;
  sign: UrlSigner;
  documents?: PolicyDocuments;
  /** Seals the secrets of the keys IAM issues (users', sessions'). */
  secrets: SecretBox;
}

/**
 * IAM (users, groups, roles, managed and inline policies, access keys,
 * login profiles, the authorizer), role aliases, role sessions, and
 * the two ways a role's authority leaves Ferry: the credentials provider and
 * URLs presigned as a role.
 */
export class IamService {
  readonly roles: Roles;
  readonly policies: ManagedPolicies;
  readonly rolePolicies: RolePolicies;
  readonly roleAliases: RoleAliases;
  readonly sessions: Sessions;
  /** The object store's AccessPolicySource for role sessions, and role checks for jobs. */
  readonly permissions: RolePermissions;
  readonly credentialsProvider: CredentialsProvider;
  readonly users: Users;
  readonly groups: Groups;
  readonly userPolicies: OwnerPolicies;
  readonly groupPolicies: OwnerPolicies;
  readonly userKeys: UserKeys;
  readonly loginProfiles: LoginProfiles;
  /** The one decision point for operator requests (every listener). */
  readonly authorizer: Authorizer;
  /** STS for operators: AssumeRole and GetSessionToken. */
  readonly sts: SecurityTokens;
  readonly accountId: string;
  private readonly presigner: RolePresigner;
  private s3Endpoint: (() => string) | undefined;

  constructor(deps: IamServiceDeps) {
    const documents = deps.documents ?? engineDocuments;
    this.roles = new Roles(deps.db, deps.clock, deps.accountId, documents);
    this.policies = new ManagedPolicies(deps.db, deps.clock, deps.accountId, documents);
    this.rolePolicies = new RolePolicies(deps.db, deps.clock, documents);
    this.roleAliases = new RoleAliases(deps.db, deps.clock, deps.region, deps.accountId, this.roles);
    this.sessions = new Sessions(deps.db, deps.clock, deps.accountId, deps.secrets);
    this.permissions = new RolePermissions(deps.db);
    this.accountId = deps.accountId;
    this.users = new Users(deps.db, deps.clock, deps.accountId);
    this.groups = new Groups(deps.db, deps.clock, deps.accountId);
    this.userPolicies = new OwnerPolicies('user', deps.db, deps.clock, documents);
    this.groupPolicies = new OwnerPolicies('group', deps.db, deps.clock, documents);
    this.userKeys = new UserKeys(deps.db, deps.clock, deps.secrets);
    this.loginProfiles = new LoginProfiles(deps.db, deps.clock, deps.accountId);
    this.authorizer = new Authorizer(deps.db, deps.clock, this.permissions);
    this.sts = new SecurityTokens({
      accountId: deps.accountId,
      roles: this.roles,
      sessions: this.sessions,
      authorizer: this.authorizer,
      documents,
      managedDocument: (arn) => managedPolicyDocument(deps.db, arn),
    });
    this.credentialsProvider = new CredentialsProvider({ identities: deps.identities, aliases: this.roleAliases, roles: this.roles, sessions: this.sessions, permissions: this.permissions });
    this.presigner = new RolePresigner({
      roles: this.roles,
      sessions: this.sessions,
      sign: deps.sign,
      region: deps.region,
      nowMs: () => deps.clock.now(),
      s3Endpoint: () => {
        if (!this.s3Endpoint) throw invalidInput('The S3 endpoint is not known yet: the server is still starting.');
        return this.s3Endpoint();
      },
    });
  }

  /** Where presigned URLs point: Ferry's S3 endpoint at the advertised host (set once the listeners are bound). */
  useS3Endpoint(endpoint: () => string): void {
    this.s3Endpoint = endpoint;
  }

  /** A GET URL for bucket/key signed as `roleArn` for `expiresSec`; refused when the role is missing or does not trust iot.amazonaws.com. */
  presignGetAsRole(request: PresignRequest): Promise<string> {
    return this.presigner.presignGet(request);
  }

  /** The role, if it exists and trusts iot.amazonaws.com; else InvalidInput naming what is missing (for CreateJob's checks). */
  presignableRole(roleArn: string): Promise<Role> {
    return this.presigner.presignableRole(roleArn);
  }

  /** The credentials provider's exchange: a device certificate for a role alias's temporary credentials. */
  credentialsForCertificate(request: CertificateCredentialsRequest): Promise<TemporaryCredentials> {
    return this.credentialsProvider.exchange(request);
  }
}

export function createIamService(deps: IamServiceDeps): IamService {
  return new IamService(deps);
}
