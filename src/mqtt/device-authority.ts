import { evaluate } from '../policy/index.js';
import type { BoundPolicySet, DeviceIdentity, DeviceRefusal } from '../registry/index.js';

/** The IoT actions the broker asks about (aws-wire-protocols.md §7). */
export type MqttAction = 'iot:Connect' | 'iot:Publish' | 'iot:RetainPublish' | 'iot:Subscribe' | 'iot:Receive';

/** A connection's effective policies, compiled and bound at CONNECT: answers without I/O. */
export interface DevicePolicy {
  allows(action: MqttAction, resource: string): boolean;
}

/** Who is on a connection, as the broker needs it. */
export interface ResolvedDevice {
  certificateId: string;
  certificateArn: string;
  /** The registered CA the certificate came with, if any. */
  caCertificateId?: string;
  /** The thing whose policy variables apply (client id = an attached thing's name, or an exclusive attachment). */
  thingName?: string;
  /** The policies in effect (the certificate's and the thing's groups'), to know whom a policy change concerns. */
  policyNames: string[];
  policy: DevicePolicy;
}

export type Resolution = { ok: true; device: ResolvedDevice } | { ok: false; reason: string; message: string };

/** What the broker needs from the registry: who presents this certificate, and what may it do. */
export interface DeviceAuthority {
  /** `certificateId`: lowercase hex SHA-256 of the DER of the certificate the device presented. */
  resolve(certificateId: string, connection: { clientId: string; sourceIp?: string | undefined }): Promise<Resolution>;
  /** The connection with this certificate was accepted (a rotated-in certificate's first use retires the old one). */
  connected?(certificateId: string): Promise<void>;
}

/** The registry's side of DeviceAuthority (structural, so tests can hand in a fake). */
export interface IdentityResolver {
  /** `certificate`: a PEM or a certificate id. */
  resolveDeviceIdentity(certificate: string, options: { clientId?: string }): Promise<DeviceIdentity | DeviceRefusal>;
  certificateUsed?(certificateId: string): Promise<void>;
}

/** The registry as the broker's DeviceAuthority: identity from the registry, decisions from the policy engine. */
export function registryAuthority(registry: IdentityResolver): DeviceAuthority {
  return {
    async resolve(certificateId, connection) {
      const identity = await registry.resolveDeviceIdentity(certificateId, { clientId: connection.clientId });
      if (!identity.ok) return { ok: false, reason: identity.reason, message: identity.message };
      const context: Record<string, string | undefined> = { ...identity.variables, 'aws:SourceIp': connection.sourceIp };
      const device: ResolvedDevice = {
        certificateId: identity.certificate.id,
        certificateArn: identity.certificate.arn,
        policyNames: identity.documents.map((d) => d.policyName),
        policy: boundPolicy(identity.policies, context),
      };
      if (identity.certificate.caCertificateId !== undefined) device.caCertificateId = identity.certificate.caCertificateId;
      if (identity.thing) device.thingName = identity.thing.name;
      return { ok: true, device };
    },
    connected: async (certificateId) => registry.certificateUsed?.(certificateId),
  };
}

// Enough for a device's usual topics; a device cycling through more just evaluates again.
const MAX_REMEMBERED_DECISIONS = 256;

/**
 * The policies and context are fixed for the connection's life (a policy change
 * replaces the connection's device), and evaluate() reads nothing else, so each
 * decision is remembered: fan-out asks iot:Receive of every subscriber for every message.
 */
function boundPolicy(policies: BoundPolicySet, context: Record<string, string | undefined>): DevicePolicy {
  return boundDecisions((action, resource) => evaluate(policies, { action, resource, context }).effect === 'Allow');
}

/** A fixed decision function as a DevicePolicy, each decision remembered (see boundPolicy). */
export function boundDecisions(decide: (action: MqttAction, resource: string) => boolean): DevicePolicy {
  const decisions = new Map<string, boolean>();
  return {
    allows: (action, resource) => {
      const key = `${action} ${resource}`;
      let allowed = decisions.get(key);
      if (allowed === undefined) {
        allowed = decide(action, resource);
        if (decisions.size >= MAX_REMEMBERED_DECISIONS) decisions.clear();
        decisions.set(key, allowed);
      }
      return allowed;
    },
  };
}
