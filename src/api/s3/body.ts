import { Readable, finished } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FerryError, invalidInput, unauthenticated } from '../../errors.js';
import type { ChecksumAlgorithm, IncomingBody } from '../../objects/index.js';
import { CHECKSUM_ALGORITHMS } from '../../objects/index.js';
import {
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  UNSIGNED_PAYLOAD,
  createAwsChunkedDecoder,
  formatAmzDate,
  type AwsChunkedDecoder,
} from '../../protocols/sigv4/index.js';
import { dictionary } from '../../records.js';
import { authenticationOf } from './auth.js';
import { header } from './headers.js';

/**
 * A stream that opens its source on the first read. The domain reads the
 * body only after authorizing and finding the bucket, so this is where an
 * `Expect: 100-continue` client is told to send (node-ecosystem.md §2 pitfall 9).
 */
class DeferredBody extends Readable {
  private source?: Readable;
  private readonly onData = (chunk: Buffer): void => {
    if (!this.push(chunk)) this.source?.pause();
  };
  private readonly onEnd = (): void => {
    this.push(null);
  };

  /** `open` returns `raw` itself or a decoder `raw` is piped into. */
  constructor(
    private readonly raw: Readable,
    private readonly open: () => Readable,
  ) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(): void {
    if (!this.source) {
      const source = this.open();
      this.source = source;
      source.on('data', this.onData);
      source.once('end', this.onEnd);
      // Errors and premature closes (a client gone mid-body) alike.
      finished(source, (error) => {
        if (error) this.destroy(error);
      });
    }
    this.source.resume();
  }

  /**
   * A consumer that gives up (a body over its limit, a failed check) lets go of the request without
   * destroying it: destroying it would reset the connection before the client reads the error, so the
   * rest is drained instead when the error is sent (protocols/http/drain.ts).
   */
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const source = this.source;
    if (source && !source.readableEnded) {
      source.removeListener('data', this.onData);
      source.removeListener('end', this.onEnd);
      if (source !== this.raw) {
        this.raw.unpipe();
        source.destroy();
      }
      this.raw.pause();
    }
    done(error);
  }
}

// Looked up by the x-amz-content-sha256 header: no prototype, so only these values name a mode.
const DECODER_MODES = dictionary<'signed' | 'unsigned-trailer' | 'signed-trailer'>({
  [STREAMING_SIGNED]: 'signed',
  [STREAMING_UNSIGNED_TRAILER]: 'unsigned-trailer',
  [STREAMING_SIGNED_TRAILER]: 'signed-trailer',
});

function algorithmOf(name: string): ChecksumAlgorithm | undefined {
  const upper = name.toUpperCase();
  return CHECKSUM_ALGORITHMS.find((a) => a === upper);
}

function parseLength(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text.trim())) throw invalidInput(`${what} must be a non-negative integer.`);
  return Number(text);
}

/** Content-MD5 is base64 of 16 bytes, or InvalidDigest. */
function contentMd5(request: FastifyRequest): string | undefined {
  const value = header(request, 'content-md5');
  if (value === undefined) return undefined;
  if (Buffer.from(value, 'base64').length !== 16) throw new FerryError('InvalidInput', 'The Content-MD5 you specified is not valid.', { reason: 'invalid-digest' });
  return value.trim();
}

/**
 * The flexible checksum to check (aws-wire-protocols.md §4.3): an
 * `x-amz-checksum-*` header, a trailer named by `x-amz-trailer`, or just
 * `x-amz-sdk-checksum-algorithm` (computed and kept, nothing to compare).
 */
function checksumOf(request: FastifyRequest, decoder: AwsChunkedDecoder | undefined, headers: boolean): IncomingBody['checksum'] {
  const trailer = header(request, 'x-amz-trailer')?.toLowerCase();
  if (trailer?.startsWith('x-amz-checksum-')) {
    const algorithm = algorithmOf(trailer.slice('x-amz-checksum-'.length));
    if (!algorithm) throw invalidInput(`The trailer ${trailer} names a checksum algorithm this server does not support.`);
    if (!decoder) throw invalidInput('x-amz-trailer is only allowed with an aws-chunked body.');
    return { algorithm, expected: () => decoder.trailers()[trailer] ?? '' };
  }
  if (!headers) return undefined;
  const given = checksumHeader(request);
  if (given) return { algorithm: given.algorithm, expected: given.value };
  const sdk = header(request, 'x-amz-sdk-checksum-algorithm');
  if (sdk === undefined) return undefined;
  const algorithm = algorithmOf(sdk);
  if (!algorithm) throw invalidInput(`Checksum algorithm ${sdk} is not supported.`);
  return { algorithm };
}

/** The `x-amz-checksum-<algorithm>` header, if any (on CompleteMultipartUpload it is the whole object's). */
export function checksumHeader(request: FastifyRequest): { algorithm: ChecksumAlgorithm; value: string } | undefined {
  for (const [name, values] of Object.entries(request.headers)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-mode' || name === 'x-amz-checksum-type' || name === 'x-amz-checksum-algorithm') continue;
    const algorithm = algorithmOf(name.slice('x-amz-checksum-'.length));
    if (!algorithm) throw invalidInput(`The header ${name} names a checksum algorithm this server does not support.`);
    return { algorithm, value: String(Array.isArray(values) ? values[0] : values).trim() };
  }
  return undefined;
}

/** The decoder an aws-chunked body needs, if it is one. */
function chunkedDecoder(request: FastifyRequest): AwsChunkedDecoder | undefined {
  const auth = authenticationOf(request);
  const mode = DECODER_MODES[auth.contentSha256 ?? ''];
  if (!mode) return undefined;
  if (mode === 'unsigned-trailer') return createAwsChunkedDecoder({ mode });
  const chain = auth.chunkSigning;
  if (!chain) throw unauthenticated(`x-amz-content-sha256 ${auth.contentSha256} needs chunk signatures, which only a SigV4 Authorization header can seed.`, 'malformed-authorization');
  return createAwsChunkedDecoder({
    mode,
    signingKey: chain.signingKey,
    seedSignature: chain.seedSignature,
    requestTimeIso: formatAmzDate(chain.requestTimeMs),
    scope: chain.scope,
  });
}

/**
 * The request body as the domain wants it: decoded (aws-chunked), with
 * every digest the client declared, opened only when first read.
 * `checksumHeaders: false` when x-amz-checksum-* describes something else
 * than the body (CompleteMultipartUpload).
 */
export function incomingBody(request: FastifyRequest, reply: FastifyReply, opts: { checksumHeaders?: boolean } = {}): IncomingBody {
  const raw = request.raw;
  const decoder = chunkedDecoder(request);
  const declaredSha = authenticationOf(request).contentSha256;
  const sha256Hex = declaredSha && declaredSha !== UNSIGNED_PAYLOAD && !DECODER_MODES[declaredSha] ? declaredSha : undefined;
  const length = decoder
    ? parseLength(header(request, 'x-amz-decoded-content-length'), 'x-amz-decoded-content-length')
    : parseLength(header(request, 'content-length'), 'Content-Length');
  const expectContinue = /100-continue/i.test(header(request, 'expect') ?? '');
  const open = (): Readable => {
    if (expectContinue && !reply.raw.headersSent) reply.raw.writeContinue();
    if (!decoder) return raw;
    // A client gone mid-body must fail the decoder's stream too, not leave it waiting.
    finished(raw, (error) => {
      if (error) decoder.destroy(error);
    });
    return raw.pipe(decoder);
  };
  const md5 = contentMd5(request);
  const checksum = checksumOf(request, decoder, opts.checksumHeaders ?? true);
  return {
    stream: new DeferredBody(raw, open),
    ...(length !== undefined ? { length } : {}),
    ...(md5 !== undefined ? { md5Base64: md5 } : {}),
    ...(sha256Hex !== undefined ? { sha256Hex } : {}),
    ...(checksum ? { checksum } : {}),
  };
}
