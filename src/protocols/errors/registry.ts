import { FerryError, isFerryError, type ErrorKind } from '../../errors.js';

/**
 * The error registry: every domain error kind (and reason) mapped to the AWS
 * error name and HTTP status of each service Ferry speaks. Code, status and
 * default message live together here and nowhere else.
 */
export type AwsService = 'iot' | 'iot-jobs-data' | 'credentials' | 's3' | 'iam' | 'sts';

export interface AwsErrorDef {
  code: string;
  status: number;
  /** aws-query's <Type>. */
  type?: 'Sender' | 'Receiver';
  /** A message to use when the domain's says too much or too little (S3's fixed wordings). */
  message?: string;
}

export interface AwsError extends AwsErrorDef {
  message: string;
  fields: Record<string, string>;
  /** Structured members of a JSON error body. */
  members: Record<string, unknown>;
}

type KindTable = Record<ErrorKind, AwsErrorDef>;
type ReasonTable = Record<string, AwsErrorDef>;

const e = (code: string, status: number, message?: string): AwsErrorDef => (message ? { code, status, message } : { code, status });

// aws-wire-protocols.md §3.2 (IoT control plane status codes; LimitExceededException is 410).
const IOT_KINDS: KindTable = {
  NotFound: e('ResourceNotFoundException', 404),
  AlreadyExists: e('ResourceAlreadyExistsException', 409),
  InvalidInput: e('InvalidRequestException', 400),
  MalformedPolicy: e('MalformedPolicyException', 400),
  InvalidState: e('InvalidStateTransitionException', 409),
  VersionConflict: e('VersionConflictException', 409),
  Conflict: e('DeleteConflictException', 409),
  LimitExceeded: e('LimitExceededException', 410),
  Denied: e('AccessDeniedException', 403),
  Unauthenticated: e('InvalidSignatureException', 403),
  TooLarge: e('RequestEntityTooLargeException', 413),
  Unavailable: e('ServiceUnavailableException', 503),
  Internal: e('InternalFailureException', 500),
};

// Signature failures as the JSON services (API Gateway front ends) word them.
const JSON_AUTH_REASONS: ReasonTable = {
  'missing-authentication': e('MissingAuthenticationTokenException', 403),
  'unknown-access-key': e('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'),
  'invalid-token': e('UnrecognizedClientException', 403, 'The security token included in the request is invalid.'),
  'expired-token': e('ExpiredTokenException', 403, 'The security token included in the request is expired'),
  'unknown-operation': e('UnknownOperationException', 404),
  'malformed-body': e('InvalidRequestException', 400),
};

const IOT_REASONS: ReasonTable = {
  ...JSON_AUTH_REASONS,
  'certificate-state': e('CertificateStateException', 406),
  'certificate-validation': e('CertificateValidationException', 400),
  'certificate-conflict': e('CertificateConflictException', 409),
  'versions-limit': e('VersionsLimitExceededException', 409),
  conflict: e('ConflictException', 409),
  // The fleet-indexing errors of the IoT model (each httpError 400).
  'invalid-query': e('InvalidQueryException', 400),
  'invalid-aggregation': e('InvalidAggregationException', 400),
  'index-not-ready': e('IndexNotReadyException', 400),
};

// The Jobs HTTPS data plane: the iot-jobs-data-plane Smithy model's errors and no others
// (a version mismatch is InvalidStateTransitionException: the model has no VersionMismatch;
// TerminalStateException is defined but Ferry answers terminal executions). A refusal by
// policy is the AccessDeniedException AWS's front door answers for this service
// (aws/aws-sdk-js-v3#5533, aws/aws-sdk-js#2146); the SDKs raise it as a service exception.
const JOBS_DATA_KINDS: KindTable = {
  NotFound: e('ResourceNotFoundException', 404),
  AlreadyExists: e('InvalidRequestException', 400),
  InvalidInput: e('InvalidRequestException', 400),
  MalformedPolicy: e('InvalidRequestException', 400),
  InvalidState: e('InvalidStateTransitionException', 409),
  VersionConflict: e('InvalidStateTransitionException', 409),
  Conflict: e('InvalidStateTransitionException', 409),
  LimitExceeded: e('ThrottlingException', 429),
  Denied: e('AccessDeniedException', 403),
  Unauthenticated: e('InvalidSignatureException', 403),
  TooLarge: e('InvalidRequestException', 400),
  Unavailable: e('ServiceUnavailableException', 503),
  Internal: e('ServiceUnavailableException', 503),
};
const JOBS_DATA_REASONS: ReasonTable = {
  ...JSON_AUTH_REASONS,
  'terminal-state': e('TerminalStateException', 410),
  'certificate-validation': e('CertificateValidationException', 400),
};

// The credentials provider (its clients read the status only, aws-wire-protocols.md §8).
const CREDENTIALS_KINDS: KindTable = {
  ...IOT_KINDS,
  VersionConflict: e('InvalidStateTransitionException', 409),
  Conflict: e('InvalidStateTransitionException', 409),
  Denied: e('ForbiddenException', 403),
};

// aws-wire-protocols.md §4.5 (S3 codes and wordings).
const S3_KINDS: KindTable = {
  NotFound: e('NoSuchKey', 404, 'The specified key does not exist.'),
  AlreadyExists: e('BucketAlreadyOwnedByYou', 409, 'Your previous request to create the named bucket succeeded and you already own it.'),
  InvalidInput: e('InvalidArgument', 400),
  MalformedPolicy: e('MalformedPolicy', 400),
  InvalidState: e('InvalidRequest', 400),
  VersionConflict: e('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
  Conflict: e('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty'),
  LimitExceeded: e('TooManyBuckets', 400),
  Denied: e('AccessDenied', 403, 'Access Denied'),
  Unauthenticated: e('AccessDenied', 403),
  TooLarge: e('EntityTooLarge', 400, 'Your proposed upload exceeds the maximum allowed size'),
  Unavailable: e('ServiceUnavailable', 503),
  Internal: e('InternalError', 500, 'We encountered an internal error. Please try again.'),
};
const S3_REASONS: ReasonTable = {
  bucket: e('NoSuchBucket', 404, 'The specified bucket does not exist'),
  upload: e('NoSuchUpload', 404, 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.'),
  'missing-authentication': e('AccessDenied', 403, 'Access Denied'),
  'unknown-access-key': e('InvalidAccessKeyId', 403, 'The AWS Access Key Id you provided does not exist in our records.'),
  'signature-mismatch': e('SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'),
  'scope-mismatch': e('SignatureDoesNotMatch', 403),
  'clock-skew': e('RequestTimeTooSkewed', 403, 'The difference between the request time and the current time is too large.'),
  'request-expired': e('AccessDenied', 403, 'Request has expired'),
  'request-not-yet-valid': e('AccessDenied', 403, 'Request is not valid yet'),
  'malformed-authorization': e('AuthorizationHeaderMalformed', 400),
  'authorization-query': e('AuthorizationQueryParametersError', 400),
  // SigV2 (issue 14): a header-signed request with a parameter its signature does not cover; SigV2 turned off.
  'unsigned-parameter': e('InvalidRequest', 400),
  'unsupported-authorization': e('InvalidRequest', 400),
  'expired-token': e('ExpiredToken', 400, 'The provided token has expired.'),
  'invalid-token': e('InvalidToken', 400, 'The provided token is malformed or otherwise invalid.'),
  'bad-digest': e('BadDigest', 400, 'The Content-MD5 or checksum value that you specified did not match what the server received.'),
  'invalid-digest': e('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  'content-sha256-mismatch': e('XAmzContentSHA256Mismatch', 400, 'The provided \'x-amz-content-sha256\' header does not match what was computed.'),
  'incomplete-body': e('IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header'),
  'invalid-bucket-name': e('InvalidBucketName', 400, 'The specified bucket is not valid.'),
  'malformed-xml': e('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  'max-message-length': e('MaxMessageLengthExceeded', 400, 'Your request was too big.'),
  'invalid-range': e('InvalidRange', 416, 'The requested range is not satisfiable'),
  'entity-too-small': e('EntityTooSmall', 400, 'Your proposed upload is smaller than the minimum allowed object size.'),
  'invalid-part': e('InvalidPart', 400),
  'invalid-part-order': e('InvalidPartOrder', 400, 'The list of parts was not in ascending order. The parts list must be specified in order by part number.'),
  'missing-content-length': e('MissingContentLength', 411, 'You must provide the Content-Length HTTP header.'),
  'key-too-long': e('KeyTooLongError', 400, 'Your key is too long'),
  'unknown-operation': e('NotImplemented', 501, 'A header or query you provided implies functionality that is not implemented.'),
  'method-not-allowed': e('MethodNotAllowed', 405, 'The specified method is not allowed against this resource.'),
  'malformed-body': e('MalformedXML', 400, 'The XML you provided was not well-formed or did not validate against our published schema'),
  'precondition-failed': e('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold'),
  // Object store (issue 3).
  version: e('NoSuchVersion', 404, 'The specified version does not exist.'),
  'invalid-uri': e('InvalidURI', 400, "Couldn't parse the specified URI."),
  'location-constraint': e('IllegalLocationConstraintException', 400),
  'metadata-too-large': e('MetadataTooLarge', 400, 'Your metadata headers exceed the maximum allowed metadata size.'),
  'invalid-part-number': e('InvalidPartNumber', 416, 'The requested partnumber is not satisfiable'),
  // Bucket policies and Block Public Access (issue 20).
  policy: e('NoSuchBucketPolicy', 404, 'The bucket policy does not exist'),
  'public-access-block': e('NoSuchPublicAccessBlockConfiguration', 404, 'The public access block configuration was not found'),
  'public-policy-blocked': e('AccessDenied', 403),
};

// aws-wire-protocols.md §6 (IAM codes). aws-query carries a <Type>.
const IAM_KINDS: KindTable = {
  NotFound: e('NoSuchEntity', 404),
  AlreadyExists: e('EntityAlreadyExists', 409),
  InvalidInput: e('InvalidInput', 400),
  MalformedPolicy: e('MalformedPolicyDocument', 400),
  InvalidState: e('InvalidInput', 400),
  VersionConflict: e('ConcurrentModification', 409),
  Conflict: e('DeleteConflict', 409),
  LimitExceeded: e('LimitExceeded', 409),
  Denied: e('AccessDenied', 403),
  Unauthenticated: e('SignatureDoesNotMatch', 403),
  TooLarge: e('InvalidInput', 400),
  // IAM has no 503 of its own: ServiceFailure is what its clients retry.
  Unavailable: { code: 'ServiceFailure', status: 500, type: 'Receiver' },
  Internal: { code: 'ServiceFailure', status: 500, type: 'Receiver' },
};
const IAM_REASONS: ReasonTable = {
  'missing-authentication': e('MissingAuthenticationToken', 403, 'Request is missing Authentication Token'),
  'unknown-access-key': e('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),
  'invalid-token': e('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),
  'expired-token': e('ExpiredToken', 403, 'The security token included in the request is expired'),
  'unknown-operation': e('InvalidAction', 400),
  validation: e('ValidationError', 400),
  'malformed-body': e('MalformedQueryString', 400),
  'not-attachable': e('PolicyNotAttachable', 400),
  'password-policy': e('PasswordPolicyViolation', 400),
  'entity-temporarily-unmodifiable': e('EntityTemporarilyUnmodifiable', 409),
  // STS (AssumeRole's session policies).
  'packed-policy-too-large': e('PackedPolicyTooLarge', 400),
};

const TABLES: Record<AwsService, { kinds: KindTable; reasons: ReasonTable }> = {
  iot: { kinds: IOT_KINDS, reasons: IOT_REASONS },
  'iot-jobs-data': { kinds: JOBS_DATA_KINDS, reasons: JOBS_DATA_REASONS },
  credentials: { kinds: CREDENTIALS_KINDS, reasons: JSON_AUTH_REASONS },
  s3: { kinds: S3_KINDS, reasons: S3_REASONS },
  iam: { kinds: IAM_KINDS, reasons: IAM_REASONS },
  sts: { kinds: IAM_KINDS, reasons: IAM_REASONS },
};

/** S3 names its not-found errors by resource; the others by reason. */
function reasonKey(service: AwsService, err: FerryError): string | undefined {
  if (service === 's3' && err.kind === 'NotFound' && err.details.reason === undefined) return err.details.resource;
  return err.details.reason;
}

/** Maps any thrown value to the AWS error of `service`. Unknown errors become the service's internal error. */
export function toAwsError(service: AwsService, error: unknown): AwsError {
  const err = isFerryError(error) ? error : new FerryError('Internal', 'Internal error');
  const table = TABLES[service];
  const key = reasonKey(service, err);
  const def = (key !== undefined ? table.reasons[key] : undefined) ?? table.kinds[err.kind];
  // S3's fixed wordings win (clients and users search for them); elsewhere Ferry's clearer message wins.
  const message = service === 's3' && def.message ? def.message : err.message || def.message || def.code;
  return { ...def, message, fields: err.details.fields ?? {}, members: err.details.members ?? {} };
}
