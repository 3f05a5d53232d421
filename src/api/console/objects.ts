/**
 * The buckets pages' routes: S3 operations as the signed-in identity over loopback to the s3
 * listener (sdk.ts), downloads streamed back, uploads streamed in (uploads.ts) with their
 * progress polled, and presigned links for the advertised s3 endpoint.
 */
import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListBucketsCommand, ListMultipartUploadsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AppContext } from '../../server/context.js';
import { ConsoleRefusal, jsonBody, type ConsoleKit } from './routes.js';
import { publicS3ClientFor, s3ClientFor, type S3Address, type SessionKey } from './sdk.js';
import { outputOf, refusalOf } from './sdk-errors.js';
import { ConsoleUploads } from './uploads.js';

/** The JSON operations the buckets page may ask for (bodies go through the streaming routes). */
const OPERATIONS = {
  ListBuckets: ListBucketsCommand,
  ListObjectsV2: ListObjectsV2Command,
  HeadObject: HeadObjectCommand,
  DeleteObject: DeleteObjectCommand,
  CreateBucket: CreateBucketCommand,
  DeleteBucket: DeleteBucketCommand,
  ListMultipartUploads: ListMultipartUploadsCommand,
} as const;

/** A presigned link lives at most S3's seven days. */
const MAX_LINK_SECONDS = 7 * 24 * 3600;

const uploadsByServer = new WeakMap<AppContext, ConsoleUploads>();
/** This server's console uploads (tests observe the server's own byte counts through it). */
export function consoleUploads(ctx: AppContext): ConsoleUploads {
  let uploads = uploadsByServer.get(ctx);
  if (!uploads) uploadsByServer.set(ctx, (uploads = new ConsoleUploads()));
  return uploads;
}

const text = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v === '') throw new ConsoleRefusal(400, 'InvalidRequestException', `${name} is required.`);
  return v;
};

export function registerConsoleObjects(_app: FastifyInstance, ctx: AppContext, kit: ConsoleKit, address: S3Address | undefined): void {
  const uploads = consoleUploads(ctx);
  const keyOf = async (request: FastifyRequest): Promise<SessionKey> => {
    return (await kit.sessionOf(request)).credential;
  };
  const s3Of = (key: SessionKey): S3Client => {
    if (!address) throw new ConsoleRefusal(503, 'ServiceUnavailable', 'The object store is not reachable from the console on this server.');
    return s3ClientFor(ctx, key, () => address());
  };
  const run = async <T>(client: S3Client, work: (c: S3Client) => Promise<T>): Promise<T> => {
    try {
      return await work(client);
    } catch (error) {
      throw error instanceof ConsoleRefusal ? error : refusalOf(error);
    }
  };

  kit.route('POST', '/console/api/s3', async (request) => {
    const key = await keyOf(request);
    const body = jsonBody(request);
    const Command = OPERATIONS[body.action as keyof typeof OPERATIONS] as (new (input: object) => Parameters<S3Client['send']>[0]) | undefined;
    if (typeof body.action !== 'string' || !Object.hasOwn(OPERATIONS, body.action) || !Command) throw new ConsoleRefusal(400, 'InvalidRequestException', `action must be one of ${Object.keys(OPERATIONS).join(', ')}.`);
    const input = (body.input ?? {}) as object;
    return { output: outputOf(await run(s3Of(key), (c) => c.send(new Command(input)))) };
  });

  kit.route('POST', '/console/api/s3/presign', async (request) => {
    const key = await keyOf(request);
    const body = jsonBody(request);
    const bucket = text(body.bucket, 'bucket');
    const objectKey = text(body.key, 'key');
    const expiresIn = Number(body.expiresIn);
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_LINK_SECONDS) throw new ConsoleRefusal(400, 'InvalidRequestException', `expiresIn is whole seconds from 1 to ${MAX_LINK_SECONDS} (seven days).`);
    // The object must be there and readable by the signed-in identity, or the link would only ever fail.
    await run(s3Of(key), (c) => c.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey })));
    const url = await getSignedUrl(publicS3ClientFor(ctx, key), new GetObjectCommand({ Bucket: bucket, Key: objectKey }), { expiresIn, signingDate: new Date(ctx.clock.now()) });
    return { url, expiresAt: ctx.clock.now() + expiresIn * 1000 };
  });

  kit.route('GET', '/console/api/s3/download', async (request, reply) => {
    const key = await keyOf(request);
    const q = request.query as Record<string, unknown>;
    const bucket = text(q.bucket, 'bucket');
    const objectKey = text(q.key, 'key');
    const object = await run(s3Of(key), (c) => c.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey })));
    const name = objectKey.slice(objectKey.lastIndexOf('/') + 1) || 'download';
    reply
      .type(object.ContentType ?? 'application/octet-stream')
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(name)}`);
    if (object.ContentLength !== undefined) reply.header('content-length', String(object.ContentLength));
    return reply.send(object.Body as Readable);
  });

  kit.route(
    'PUT',
    '/console/api/s3/upload',
    async (request) => {
      const key = await keyOf(request);
      const q = request.query as Record<string, unknown>;
      const bucket = text(q.bucket, 'bucket');
      const objectKey = text(q.key, 'key');
      const id = text(q.id, 'id');
      if (!/^[A-Za-z0-9-]{8,64}$/.test(id)) throw new ConsoleRefusal(400, 'InvalidRequestException', 'id is 8 to 64 letters, digits or dashes.');
      const length = request.headers['content-length'];
      const total = length === undefined ? undefined : Number(length);
      const contentType = request.headers['x-ferry-content-type'];
      const progress = await uploads.receive(s3Of(key), request.raw, {
        id,
        bucket,
        key: objectKey,
        owner: key.accessKeyId,
        ...(total !== undefined && Number.isFinite(total) ? { total } : {}),
        ...(typeof contentType === 'string' && contentType ? { contentType } : {}),
      });
      if (progress.state === 'failed' && progress.error) {
        const status = /AccessDenied/.test(progress.error.code) ? 403 : 400;
        throw new ConsoleRefusal(status, progress.error.code, progress.error.message);
      }
      return progress;
    },
    { stream: true },
  );

  const owned = async (request: FastifyRequest) => {
    const key = await keyOf(request);
    const id = (request.params as { id: string }).id;
    const progress = uploads.get(id);
    if (!progress || progress.owner !== key.accessKeyId) throw new ConsoleRefusal(404, 'NoSuchUpload', `No upload ${id} of yours is known here.`);
    return id;
  };
  kit.route('GET', '/console/api/s3/uploads/:id', async (request) => uploads.get(await owned(request)));
  kit.route('POST', '/console/api/s3/uploads/:id/cancel', async (request) => uploads.cancel(await owned(request)));
}
