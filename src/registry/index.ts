/** The IoT registry (things, groups, certificates, principals, IoT policies) and its change feed. */
export { Registry, type RegistryOptions } from './registry.js';
export { createRegistry } from './create.js';
export { ChangeFeed, type RegistryEvents, type RegistryEventName, type RegistryListener, type AnyRegistryListener } from './change-feed.js';
export type {
  DeviceIdentity,
  DeviceRefusal,
  IdentityOptions,
  IdentityRefusalReason,
  CompiledPolicySet,
  BoundPolicySet,
} from './identity.js';
export type { EffectiveDocument } from './policies.js';
export type { AuthResult, AuthInfo, TestAuthorizationInput } from './authorization.js';
export type { DeviceRequest } from './device-requests.js';
export type { Page, PageRequest } from './paging.js';
export type { ThingPrincipal, ThingPrincipalType } from './principals.js';
export type { AttributePayload } from './attributes.js';
export { Arns, parseIotArn } from './arns.js';
export * from './types.js';
