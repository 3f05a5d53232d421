import { isFerryError, FerryError, malformedPolicy } from '../../errors.js';
import { collectBody } from '../../objects/receive.js';
import type { PublicAccessBlock } from '../../objects/bucket-policies.js';
import { incomingBody } from './body.js';
import type { S3BucketCall } from './context.js';
import { childOf, readXmlBody, sendXml, textOf } from './xml.js';

/** A little over S3's 20 KB policy limit, so the domain names the limit rather than the transport. */
const MAX_POLICY_BYTES = 64 * 1024;

/** PutBucketPolicy: `PUT /{b}?policy`, the JSON document as the body; 204. */
export async function putBucketPolicy(call: S3BucketCall): Promise<unknown> {
  const bytes = await collectBody(incomingBody(call.request, call.reply), MAX_POLICY_BYTES).catch((error: unknown) => {
    if (isFerryError(error) && error.kind === 'TooLarge') throw malformedPolicy('Policies must be no larger than 20 KB');
    throw error;
  });
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw malformedPolicy('Policies must be valid JSON and the first byte must be \'{\'');
  await call.store.putBucketPolicy(call.principal, call.bucket, text, call.ctx.accountId);
  return call.reply.code(204).send();
}

/** GetBucketPolicy: the document as stored, as JSON. */
export async function getBucketPolicy(call: S3BucketCall): Promise<unknown> {
  const policy = await call.store.getBucketPolicy(call.principal, call.bucket);
  return call.reply.code(200).header('content-type', 'application/json').send(policy);
}

export async function deleteBucketPolicy(call: S3BucketCall): Promise<unknown> {
  await call.store.deleteBucketPolicy(call.principal, call.bucket);
  return call.reply.code(204).send();
}

export async function getBucketPolicyStatus(call: S3BucketCall): Promise<unknown> {
  const status = await call.store.getBucketPolicyStatus(call.principal, call.bucket);
  return sendXml(call.reply, 'PolicyStatus', { IsPublic: status.isPublic ? 'true' : 'false' });
}

const FLAGS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** PutPublicAccessBlock: an absent flag is false, as S3 takes it. */
export async function putPublicAccessBlock(call: S3BucketCall): Promise<unknown> {
  const body = await readXmlBody(call.request, call.reply);
  const config = childOf(body, 'PublicAccessBlockConfiguration');
  if (!config) throw new FerryError('InvalidInput', 'The XML you provided was not well-formed or did not validate against our published schema', { reason: 'malformed-xml' });
  const flag = (name: (typeof FLAGS)[number]): boolean => {
    const v = textOf(config, name)?.trim().toLowerCase();
    if (v === undefined || v === 'false') return false;
    if (v === 'true') return true;
    throw new FerryError('InvalidInput', 'The XML you provided was not well-formed or did not validate against our published schema', { reason: 'malformed-xml' });
  };
  const block: PublicAccessBlock = {
    blockPublicAcls: flag('BlockPublicAcls'),
    ignorePublicAcls: flag('IgnorePublicAcls'),
    blockPublicPolicy: flag('BlockPublicPolicy'),
    restrictPublicBuckets: flag('RestrictPublicBuckets'),
  };
  await call.store.putPublicAccessBlock(call.principal, call.bucket, block);
  return call.reply.code(200).send();
}

export async function getPublicAccessBlock(call: S3BucketCall): Promise<unknown> {
  const b = await call.store.getPublicAccessBlock(call.principal, call.bucket);
  return sendXml(call.reply, 'PublicAccessBlockConfiguration', {
    BlockPublicAcls: String(b.blockPublicAcls),
    IgnorePublicAcls: String(b.ignorePublicAcls),
    BlockPublicPolicy: String(b.blockPublicPolicy),
    RestrictPublicBuckets: String(b.restrictPublicBuckets),
  });
}

export async function deletePublicAccessBlock(call: S3BucketCall): Promise<unknown> {
  await call.store.deletePublicAccessBlock(call.principal, call.bucket);
  return call.reply.code(204).send();
}
