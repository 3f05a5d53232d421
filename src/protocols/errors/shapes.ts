import { buildXmlDocument, type XmlObject } from '../xml/build.js';
import type { AwsError } from './registry.js';

/** An error ready to send: status, headers and body in one protocol's shape. */
export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/**
 * rest-json (IoT, Jobs data plane): `x-amzn-ErrorType` names the error, the
 * body carries `message` (aws-wire-protocols.md §3.2: SDKs read the header first)
 * and the error's modeled members (InvalidStateTransitionException's executionState).
 */
export function restJsonError(err: AwsError, requestId: string): ErrorReply {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': err.code, 'x-amzn-requestid': requestId },
    body: JSON.stringify({ ...err.members, message: err.message, code: err.code }),
  };
}

/** rest-xml (S3): `<Error>` with no wrapper, extra elements before RequestId (§4.5). */
export function restXmlError(err: AwsError, requestId: string, withBody = true): ErrorReply {
  const body: XmlObject = { Code: err.code, Message: err.message, ...err.fields, RequestId: requestId, HostId: requestId };
  return {
    status: err.status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
    body: withBody ? buildXmlDocument('Error', body) : '',
  };
}

/** aws-query (IAM, STS): `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` (§6). */
export function awsQueryError(err: AwsError, requestId: string, xmlns = IAM_XMLNS): ErrorReply {
  const body: XmlObject = {
    Error: { Type: err.type ?? (err.status >= 500 ? 'Receiver' : 'Sender'), Code: err.code, Message: err.message },
    RequestId: requestId,
  };
  return {
    status: err.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: buildXmlDocument('ErrorResponse', body, xmlns),
  };
}
