/**
 * The typed errors the domain raises. They know nothing of AWS names: the
 * error registry in `protocols/errors` maps each kind (and, where AWS needs a
 * finer distinction, its `reason`) to a protocol's name, status and shape.
 */
export type ErrorKind =
  | 'NotFound' // a named resource does not exist
  | 'AlreadyExists' // a resource with this name exists with another configuration
  | 'InvalidInput' // the request is malformed or a value is out of range
  | 'MalformedPolicy' // a policy document does not parse or validate
  | 'InvalidState' // the resource is in a state that forbids the operation
  | 'VersionConflict' // an expectedVersion did not match
  | 'Conflict' // the resource is still in use (attached, not empty…)
  | 'LimitExceeded' // a quota would be exceeded
  | 'Denied' // authenticated, but not allowed
  | 'Unauthenticated' // no valid credentials or signature
  | 'TooLarge' // a body or field exceeds its size limit
  | 'Unavailable' // a part the operation needs (the database, another node) did not answer in time; retry later
  | 'Internal';

export interface ErrorDetails {
  /** The resource family concerned, e.g. 'thing', 'bucket', 'key', 'certificate'. */
  resource?: string;
  /** A finer, protocol-neutral reason the registry may map to a specific AWS name. */
  reason?: string;
  /** Extra fields some protocols echo (e.g. S3's expired-request fields). */
  fields?: Record<string, string>;
  /** Structured members a JSON error body carries (the Jobs data plane's executionState). */
  members?: Record<string, unknown>;
}

export class FerryError extends Error {
  readonly kind: ErrorKind;
  readonly details: ErrorDetails;
  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FerryError';
    this.kind = kind;
    this.details = details;
  }
}

export const notFound = (resource: string, message: string, reason?: string): FerryError =>
  new FerryError('NotFound', message, reason === undefined ? { resource } : { resource, reason });
export const alreadyExists = (resource: string, message: string): FerryError =>
  new FerryError('AlreadyExists', message, { resource });
export const invalidInput = (message: string, reason?: string): FerryError =>
  new FerryError('InvalidInput', message, reason === undefined ? {} : { reason });
export const malformedPolicy = (message: string): FerryError => new FerryError('MalformedPolicy', message);
export const invalidState = (resource: string, message: string, reason?: string): FerryError =>
  new FerryError('InvalidState', message, reason === undefined ? { resource } : { resource, reason });
export const versionConflict = (resource: string, message: string): FerryError =>
  new FerryError('VersionConflict', message, { resource });
export const conflict = (resource: string, message: string, reason?: string): FerryError =>
  new FerryError('Conflict', message, reason === undefined ? { resource } : { resource, reason });
export const limitExceeded = (resource: string, message: string): FerryError =>
  new FerryError('LimitExceeded', message, { resource });
export const denied = (message: string, reason?: string): FerryError =>
  new FerryError('Denied', message, reason === undefined ? {} : { reason });
export const unauthenticated = (message: string, reason: string, fields?: Record<string, string>): FerryError =>
  new FerryError('Unauthenticated', message, fields === undefined ? { reason } : { reason, fields });
export const tooLarge = (message: string): FerryError => new FerryError('TooLarge', message);
export const unavailable = (message: string, options?: { cause?: unknown }): FerryError => new FerryError('Unavailable', message, {}, options);

export const isFerryError = (e: unknown): e is FerryError => e instanceof FerryError;
