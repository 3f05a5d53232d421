import { bindVariables, compilePolicies } from '../policy/index.js';
import type { CaCertificates } from './ca-certificates.js';
import type { Certificates } from './certificates.js';
import type { RegistryDeps } from './deps.js';
import type { EffectiveDocument, Policies } from './policies.js';
import type { PolicyCache } from './policy-cache.js';
import type { PolicyTargets } from './policy-targets.js';
import type { Principals } from './principals.js';
import type { ThingGroups } from './thing-groups.js';
import type { Things } from './things.js';
import type { Certificate, Thing } from './types.js';
import { certificateVariables, readCertificate } from './x509.js';

export type CompiledPolicySet = ReturnType<typeof compilePolicies>;
export type BoundPolicySet = ReturnType<typeof bindVariables>;

export interface IdentityOptions {
  /** The MQTT client id (names the thing when it equals an attached thing's name). */
  clientId?: string | undefined;
  /** A thing named explicitly (the credentials provider's x-amzn-iot-thingname); it must be attached. */
  thingName?: string | undefined;
  /**
   * False for a request that is not on an MQTT connection (the Jobs HTTPS data plane): as AWS
   * documents, thing policy variables then stay unresolved and no thing (nor its groups'
   * policies) is bound to the certificate. Default true.
   */
  thingVariables?: boolean | undefined;
}

export type IdentityRefusalReason =
  | 'invalid-certificate'
  | 'unknown-certificate'
  | 'certificate-not-active'
  | 'certificate-expired'
  | 'certificate-not-yet-valid'
  | 'ca-not-registered'
  | 'ca-not-active'
  | 'thing-not-attached';

export interface DeviceIdentity {
  ok: true;
  certificate: { id: string; arn: string; status: string; caCertificateId?: string };
  /** The thing whose policy variables apply, when the certificate is attached to it (see resolveThing). */
  thing?: { name: string; arn: string; typeName?: string; attributes: Record<string, string> };
  clientId?: string;
  /** Every policy variable, keyed like 'iot:ClientId'; undefined = unresolvable. */
  variables: Record<string, string | undefined>;
  /** The policies in effect (certificate's, then the thing's groups', nearest group first); `policyIndex` of an evaluation indexes this. */
  documents: EffectiveDocument[];
  compiled: CompiledPolicySet;
  /** `compiled` with every variable bound: hand this to `evaluate`. */
  policies: BoundPolicySet;
}

export interface DeviceRefusal {
  ok: false;
  reason: IdentityRefusalReason;
  message: string;
  certificateId?: string;
}

/** The identity as TestAuthorization sees it: the policies whatever the certificate's status. */
export interface PrincipalView extends Omit<DeviceIdentity, 'ok'> {
  refusal?: DeviceRefusal;
}

const MAX_CACHED_CERTIFICATES = 10_000;

/** Who a device is (certificate, thing) and what it may do (its bound policies). */
export class Identities {
  private readonly certificateVars = new Map<string, Record<string, string | undefined>>();

  constructor(
    private readonly deps: RegistryDeps,
    private readonly parts: {
      certificates: Certificates;
      cas: CaCertificates;
      things: Things;
      groups: ThingGroups;
      principals: Principals;
      targets: PolicyTargets;
      policies: Policies;
      cache: PolicyCache;
    },
  ) {}

  /**
   * The broker and credentials provider call this on every connection: a refusal
   * unless the certificate is registered, ACTIVE, within its validity and (if it came
   * with a registered CA) that CA is ACTIVE.
   */
  async resolve(certificate: string, options: IdentityOptions = {}): Promise<DeviceIdentity | DeviceRefusal> {
    const found = await this.findCertificate(certificate);
    if ('ok' in found) return found;
    const view = await this.view(found, options, true);
    if (view.refusal) return view.refusal;
    const { refusal: _ignored, ...identity } = view;
    return { ok: true, ...identity };
  }

  /** The principal's policies and variables, reporting (not enforcing) a refusal. */
  async view(certificate: Certificate, options: IdentityOptions, strict = false): Promise<PrincipalView> {
    const refusal = (await this.statusRefusal(certificate)) ?? undefined;
    const attached = await this.parts.principals.thingsOf(certificate.arn);
    let thingName: string | undefined;
    let thingRefusal: DeviceRefusal | undefined;
    if (options.thingVariables === false) {
      // Nothing names a thing: no client id, and an exclusive attachment binds MQTT connections only.
    } else if (options.thingName !== undefined) {
      if (attached.some((a) => a.thingName === options.thingName)) thingName = options.thingName;
      else thingRefusal = refuse('thing-not-attached', `Thing ${options.thingName} is not attached to certificate ${certificate.id}.`, certificate.id);
    } else {
      // DG thing-policy-variables.md: an exclusive attachment names the thing; otherwise the client id must equal the thing name.
      const exclusive = attached.find((a) => a.type === 'EXCLUSIVE_THING');
      if (exclusive) thingName = exclusive.thingName;
      else if (options.clientId !== undefined && attached.some((a) => a.thingName === options.clientId)) thingName = options.clientId;
    }
    const thing = thingName === undefined ? undefined : await this.parts.things.get(this.deps.db, thingName);
    const variables = this.variables(certificate, thing, options.clientId);
    const documents = await this.documentsFor([certificate.arn], thing?.name);
    const compiled = this.compile(documents);
    const view: PrincipalView = {
      certificate: { id: certificate.id, arn: certificate.arn, status: certificate.status, ...(certificate.caCertificateId ? { caCertificateId: certificate.caCertificateId } : {}) },
      variables,
      documents,
      compiled,
      policies: bindVariables(compiled, variables),
    };
    if (thing) view.thing = { name: thing.name, arn: thing.arn, attributes: thing.attributes, ...(thing.typeName ? { typeName: thing.typeName } : {}) };
    if (options.clientId !== undefined) view.clientId = options.clientId;
    const firstRefusal = refusal ?? (strict ? thingRefusal : undefined);
    if (firstRefusal) view.refusal = firstRefusal;
    return view;
  }

  /** The default documents of the policies on these targets plus, for a thing, its groups' (and their ancestors'). */
  async documentsFor(targets: string[], thingName?: string): Promise<EffectiveDocument[]> {
    const db = this.deps.db;
    const groupArns = thingName === undefined ? [] : (await this.parts.groups.groupsWithAncestors(db, thingName)).map((g) => this.deps.arns.thingGroup(g));
    const names = await this.parts.targets.policyNamesFor(db, [...targets, ...groupArns]);
    return this.parts.policies.effectiveDocuments(db, names);
  }

  compile(documents: EffectiveDocument[]): CompiledPolicySet {
    return this.parts.cache.compiled(documents.map((d) => d.document));
  }

  /** The certificate named by PEM or id, or why it cannot be used. */
  async findCertificate(certificate: string): Promise<Certificate | DeviceRefusal> {
    let id: string;
    if (certificate.includes('-----BEGIN')) {
      try {
        id = readCertificate(certificate).id;
      } catch (error) {
        return refuse('invalid-certificate', `The client certificate cannot be read: ${(error as Error).message}`);
      }
    } else {
      id = certificate.replace(/^0x/, '').toLowerCase();
    }
    const found = await this.parts.certificates.get(this.deps.db, id);
    return found ?? refuse('unknown-certificate', `Certificate ${id} is not registered.`, id);
  }

  private async statusRefusal(certificate: Certificate): Promise<DeviceRefusal | undefined> {
    const id = certificate.id;
    if (certificate.status !== 'ACTIVE') return refuse('certificate-not-active', `Certificate ${id} is ${certificate.status}, not ACTIVE.`, id);
    const now = this.deps.clock.now();
    if (now > certificate.notAfter) return refuse('certificate-expired', `Certificate ${id} expired at ${new Date(certificate.notAfter).toISOString()}.`, id);
    if (now < certificate.notBefore) return refuse('certificate-not-yet-valid', `Certificate ${id} is valid from ${new Date(certificate.notBefore).toISOString()}.`, id);
    if (certificate.caCertificateId !== undefined) {
      const ca = await this.parts.cas.get(this.deps.db, certificate.caCertificateId);
      if (!ca) return refuse('ca-not-registered', `The CA certificate ${certificate.caCertificateId} of certificate ${id} is no longer registered.`, id);
      if (ca.status !== 'ACTIVE') return refuse('ca-not-active', `The CA certificate ${ca.id} of certificate ${id} is ${ca.status}, not ACTIVE.`, id);
    }
    return undefined;
  }

  /** A certificate's variables never change (its id is the hash of its content): parse once. */
  private certificateVariablesOf(certificate: Certificate): Record<string, string | undefined> {
    let vars = this.certificateVars.get(certificate.id);
    if (vars === undefined) {
      vars = certificateVariables(readCertificate(certificate.pem));
      this.certificateVars.set(certificate.id, vars);
      if (this.certificateVars.size > MAX_CACHED_CERTIFICATES) this.certificateVars.delete(this.certificateVars.keys().next().value!);
    }
    return vars;
  }

  /** aws-wire-protocols.md §7 policy variables: basic, thing (when a thing is resolved) and certificate. */
  private variables(certificate: Certificate, thing: Thing | undefined, clientId: string | undefined): Record<string, string | undefined> {
    const vars: Record<string, string | undefined> = { ...this.certificateVariablesOf(certificate) };
    vars['iot:ClientId'] = clientId;
    vars['iot:Connection.Thing.IsAttached'] = thing ? 'true' : 'false';
    if (thing) {
      vars['iot:Connection.Thing.ThingName'] = thing.name;
      vars['iot:Connection.Thing.ThingTypeName'] = thing.typeName;
      for (const [name, value] of Object.entries(thing.attributes)) vars[`iot:Connection.Thing.Attributes[${name}]`] = value;
    }
    return vars;
  }
}

function refuse(reason: IdentityRefusalReason, message: string, certificateId?: string): DeviceRefusal {
  return certificateId === undefined ? { ok: false, reason, message } : { ok: false, reason, message, certificateId };
}
