import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../store/schema.js';
import type { SqlDialect } from '../store/db.js';
import { Arns } from './arns.js';
import { Authorization } from './authorization.js';
import { CaCertificates } from './ca-certificates.js';
import { Certificates } from './certificates.js';
import { ChangeFeed } from './change-feed.js';
import { authorizeDeviceRequest, type DeviceRequest } from './device-requests.js';
import type { IssuingCa, RegistryDeps } from './deps.js';
import { Identities, type DeviceIdentity, type DeviceRefusal, type IdentityOptions } from './identity.js';
import { Policies } from './policies.js';
import { PolicyCache } from './policy-cache.js';
import { PolicyTargets } from './policy-targets.js';
import { Principals } from './principals.js';
import { CertificateRotations } from './rotations.js';
import { Tags } from './tags.js';
import { ThingGroups } from './thing-groups.js';
import { DynamicThingGroups } from './dynamic-groups.js';
import { ThingTypes } from './thing-types.js';
import { Things } from './things.js';

export interface RegistryOptions {
  db: Kysely<Database>;
  dialect: SqlDialect;
  clock: Clock;
  accountId: string;
  region: string;
  /** The CA that signs CreateKeysAndCertificate and CreateCertificateFromCsr certificates. */
  ca: IssuingCa;
  /** Reports a change-feed listener that threw. */
  onFeedError?: (error: unknown, event: string) => void;
}

/** The IoT registry: who a device is and what it may do. Protocol-free. */
export class Registry {
  readonly arns: Arns;
  readonly feed: ChangeFeed;
  readonly tags: Tags;
  readonly thingTypes: ThingTypes;
  readonly things: Things;
  readonly thingGroups: ThingGroups;
  readonly dynamicGroups: DynamicThingGroups;
  readonly caCertificates: CaCertificates;
  readonly certificates: Certificates;
  readonly principals: Principals;
  readonly policies: Policies;
  readonly policyTargets: PolicyTargets;
  readonly identities: Identities;
  readonly authorization: Authorization;
  readonly rotations: CertificateRotations;

  constructor(options: RegistryOptions) {
    this.arns = new Arns(options.region, options.accountId);
    this.feed = new ChangeFeed(options.onFeedError);
    const deps: RegistryDeps = { db: options.db, dialect: options.dialect, clock: options.clock, arns: this.arns, feed: this.feed, ca: options.ca };
    const cache = new PolicyCache();
    this.tags = new Tags(deps);
    this.thingTypes = new ThingTypes(deps, this.tags);
    this.things = new Things(deps, this.thingTypes, this.tags);
    this.thingGroups = new ThingGroups(deps, this.things, this.tags);
    this.dynamicGroups = new DynamicThingGroups(deps, this.thingGroups, this.tags);
    this.caCertificates = new CaCertificates(deps, this.tags);
    this.certificates = new Certificates(deps, this.caCertificates, this.tags);
    this.principals = new Principals(deps, this.things, this.certificates);
    this.policies = new Policies(deps, this.tags);
    this.policyTargets = new PolicyTargets(deps, this.policies, this.certificates, this.thingGroups);
    const parts = {
      certificates: this.certificates,
      cas: this.caCertificates,
      things: this.things,
      groups: this.thingGroups,
      principals: this.principals,
      targets: this.policyTargets,
      policies: this.policies,
      cache,
    };
    this.identities = new Identities(deps, parts);
    this.authorization = new Authorization(deps, { ...parts, identities: this.identities });
    this.rotations = new CertificateRotations(deps, parts);
    this.registerTaggableTypes();
  }

  /**
   * Who presents this certificate (PEM or id) and what it may do, for the broker and
   * the credentials provider; or why it is refused.
   */
  resolveDeviceIdentity(certificate: string, options: IdentityOptions = {}): Promise<DeviceIdentity | DeviceRefusal> {
    return this.identities.resolve(certificate, options);
  }

  /**
   * May this certificate do `action` on `resource` in a request off MQTT (the Jobs HTTPS
   * data plane)? Thing policy variables do not resolve there, as on AWS. Throws when not.
   */
  async authorizeDeviceRequest(request: DeviceRequest): Promise<{ certificateId: string }> {
    const allowed = await authorizeDeviceRequest(this.identities, request);
    await this.rotations.certificateUsed(allowed.certificateId);
    return allowed;
  }

  /** A device used this certificate successfully (an accepted connection, credentials issued): see rotations.ts. */
  certificateUsed(certificateId: string): Promise<void> {
    return this.rotations.certificateUsed(certificateId);
  }

  private registerTaggableTypes(): void {
    this.tags.registerType('thing', (n) => this.things.exists(n));
    this.tags.registerType('thinggroup', (n) => this.thingGroups.exists(n));
    this.tags.registerType('thingtype', (n) => this.thingTypes.exists(n));
    this.tags.registerType('policy', (n) => this.policies.exists(n));
    this.tags.registerType('cert', (n) => this.certificates.exists(n));
    this.tags.registerType('cacert', (n) => this.caCertificates.exists(n));
  }
}
