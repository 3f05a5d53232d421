import { textOf, childOf, readXmlBody, sendXml } from './xml.js';
import type { S3BucketCall, S3Call } from './context.js';

/** ListBuckets: `GET /` (aws-wire-protocols.md §4.2). */
export async function listBuckets(call: S3Call): Promise<unknown> {
  const buckets = await call.store.listBuckets(call.principal);
  return sendXml(call.reply, 'ListAllMyBucketsResult', {
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: new Date(b.createdAt), BucketRegion: b.region })) },
    Owner: { ID: call.ctx.accountId, DisplayName: 'ferry' },
  });
}

/** CreateBucket: `PUT /{b}` with an optional CreateBucketConfiguration body. */
export async function createBucket(call: S3BucketCall): Promise<unknown> {
  const body = await readXmlBody(call.request, call.reply);
  const location = textOf(childOf(body, 'CreateBucketConfiguration'), 'LocationConstraint');
  await call.store.createBucket(call.principal, call.bucket, location);
  return call.reply.code(200).header('location', `/${call.bucket}`).send();
}

/** HeadBucket: 200 and the region; errors have no body. */
export async function headBucket(call: S3BucketCall): Promise<unknown> {
  const bucket = await call.store.headBucket(call.principal, call.bucket);
  return call.reply.code(200).header('x-amz-bucket-region', bucket.region).send();
}

/** GetBucketLocation: empty for us-east-1, as S3 answers. */
export async function getBucketLocation(call: S3BucketCall): Promise<unknown> {
  const bucket = await call.store.getBucketLocation(call.principal, call.bucket);
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${bucket.region === 'us-east-1' ? '' : bucket.region}</LocationConstraint>`;
  return call.reply.code(200).header('content-type', 'application/xml').send(xml);
}

/** GetBucketVersioning: never enabled here, which an empty configuration says. */
export async function getBucketVersioning(call: S3BucketCall): Promise<unknown> {
  await call.store.headBucket(call.principal, call.bucket, 's3:GetBucketVersioning');
  return sendXml(call.reply, 'VersioningConfiguration', {});
}

export async function deleteBucket(call: S3BucketCall): Promise<unknown> {
  await call.store.deleteBucket(call.principal, call.bucket);
  return call.reply.code(204).send();
}
