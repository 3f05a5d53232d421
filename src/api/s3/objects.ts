import type { RangeRequest } from '../../objects/index.js';
import { incomingBody } from './body.js';
import type { S3BucketCall, S3ObjectCall } from './context.js';
import { attributesFrom, checksumHeaderName, header, objectHeaders, readConditionsFrom, writeConditionsFrom } from './headers.js';
import { intParam } from './listing.js';
import { childOf, childrenOf, malformedXml, readXmlBody, sendXml, textOf } from './xml.js';

/** PutObject: streams the body; answers the ETag and the checksum it was sent with. */
export async function putObject(call: S3ObjectCall): Promise<unknown> {
  const { request, reply } = call;
  const conditions = writeConditionsFrom(request);
  const info = await call.store.putObject(call.principal, {
    bucket: call.bucket,
    key: call.key,
    body: incomingBody(request, reply),
    attributes: attributesFrom(request),
    ...(conditions ? { conditions } : {}),
  });
  reply.header('etag', `"${info.etag}"`);
  if (info.checksum) reply.header(checksumHeaderName(info.checksum.algorithm), info.checksum.value).header('x-amz-checksum-type', info.checksum.type);
  return reply.code(200).send();
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else (several ranges, bad syntax) is ignored, as S3 does. */
export function parseRange(value: string | undefined): RangeRequest | undefined {
  if (value === undefined) return undefined;
  const m = /^\s*bytes=(\d*)-(\d*)\s*$/.exec(value);
  if (!m) return undefined;
  const [, from = '', to = ''] = m;
  if (from === '' && to === '') return undefined;
  if (from === '') return { suffix: Number(to) };
  if (to !== '' && Number(to) < Number(from)) return undefined;
  return to === '' ? { start: Number(from) } : { start: Number(from), end: Number(to) };
}

async function readObject(call: S3ObjectCall, withBody: boolean): Promise<unknown> {
  const { request, reply } = call;
  const rangeHeader = header(request, 'range');
  const range = parseRange(rangeHeader);
  const conditions = readConditionsFrom(request);
  const partNumber = call.target.query.has('partNumber') ? intParam(call.target.query, 'partNumber', 0) : undefined;
  const input = {
    bucket: call.bucket,
    key: call.key,
    ...(partNumber !== undefined ? { partNumber } : range ? { range: { request: range, asked: rangeHeader! } } : {}),
    ...(conditions ? { conditions } : {}),
  };
  const result = withBody ? await call.store.getObject(call.principal, input) : await call.store.headObject(call.principal, input);
  const checksumMode = header(request, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED';
  if (result.status === 'not-modified') {
    return reply.code(304).headers({ etag: `"${result.info.etag}"`, 'last-modified': new Date(result.info.lastModified).toUTCString() }).send();
  }
  const { info } = result;
  if (withBody) noteLinkUse(call);
  reply.headers(objectHeaders(info, { checksumMode, ranged: result.range !== undefined, query: call.target.query }));
  if (partNumber !== undefined && info.partsCount !== undefined) reply.header('x-amz-mp-parts-count', String(info.partsCount));
  if (result.range) {
    reply.code(206).header('content-range', `bytes ${result.range.start}-${result.range.end}/${info.size}`);
    reply.header('content-length', String(result.range.end - result.range.start + 1));
  } else {
    reply.code(200).header('content-length', String(info.size));
  }
  return reply.send(result.body);
}

/** A download through a presigned URL: the event history tells whether Ferry issued it (its first use is recorded). */
function noteLinkUse(call: S3ObjectCall): void {
  const scheme = call.request.authScheme;
  if (scheme !== 'sigv4-query' && scheme !== 'sigv2-query') return;
  const signature = call.target.query.get(scheme === 'sigv4-query' ? 'X-Amz-Signature' : 'Signature');
  if (signature) call.ctx.services.history.linkUsed({ signature, bucket: call.bucket, key: call.key });
}

export const getObject = (call: S3ObjectCall): Promise<unknown> => readObject(call, true);
export const headObject = (call: S3ObjectCall): Promise<unknown> => readObject(call, false);

export async function deleteObject(call: S3ObjectCall): Promise<unknown> {
  await call.store.deleteObject(call.principal, call.bucket, call.key);
  return call.reply.code(204).send();
}

/** DeleteObjects: `POST /{b}?delete`, up to 1000 keys, per-key results (Quiet leaves out successes). */
export async function deleteObjects(call: S3BucketCall): Promise<unknown> {
  const doc = childOf(await readXmlBody(call.request, call.reply), 'Delete');
  if (!doc) throw malformedXml();
  const keys = childrenOf(doc, 'Object').map((o) => textOf(o, 'Key'));
  if (keys.length === 0 || keys.length > 1000 || keys.some((k) => k === undefined || k === '')) throw malformedXml();
  const quiet = textOf(doc, 'Quiet')?.trim().toLowerCase() === 'true';
  const outcomes = await call.store.deleteObjects(call.principal, call.bucket, keys as string[]);
  return sendXml(call.reply, 'DeleteResult', {
    Deleted: quiet ? undefined : outcomes.filter((o) => !o.error).map((o) => ({ Key: o.key })),
    Error: outcomes.filter((o) => o.error).map((o) => ({ Key: o.key, Code: o.error!.code, Message: o.error!.message })),
  });
}
