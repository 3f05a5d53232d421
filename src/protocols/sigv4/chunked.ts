import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { invalidInput, unauthenticated, type FerryError } from '../../errors.js';
import { ChunkChain } from './chunk-chain.js';
import { EMPTY_SHA256 } from './constants.js';
import type { CredentialScope } from './types.js';

export interface AwsChunkedOptions {
  mode: 'signed' | 'unsigned-trailer' | 'signed-trailer';
  /** Signed modes: from verifySignature. */
  signingKey?: Buffer;
  /** Signed modes: the request's signature, from verifySignature. */
  seedSignature?: string;
  /** Signed modes: the request's X-Amz-Date, basic format. */
  requestTimeIso?: string;
  /** Signed modes: the request's credential scope. */
  scope?: CredentialScope;
  /** Longest chunk-header or trailer line accepted, CRLF included. */
  maxChunkHeaderBytes?: number;
}

export type AwsChunkedDecoder = Transform & { trailers(): Record<string, string> };

const DEFAULT_MAX_LINE = 4096;
const MAX_TRAILERS = 64;
const CR = 0x0d;
const LF = 0x0a;

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

const framing = (message: string): FerryError => invalidInput(`Malformed aws-chunked body: ${message}`, 'incomplete-body');
const badSignature = (message: string): FerryError => unauthenticated(message, 'signature-mismatch');

/**
 * Decodes a `Content-Encoding: aws-chunked` body (aws-wire-protocols.md §4.3),
 * verifying chunk and trailer signatures in the signed modes. Streams in
 * constant memory: data goes out as it comes in, and a failed signature fails
 * the stream at the end of its chunk, so consumers must commit only on a
 * clean end.
 */
export function createAwsChunkedDecoder(opts: AwsChunkedOptions): AwsChunkedDecoder {
  return new AwsChunkedDecoderStream(opts);
}

class AwsChunkedDecoderStream extends Transform {
  private readonly signedChunks: boolean;
  private readonly signedTrailer: boolean;
  private readonly chain: ChunkChain | undefined;
  private readonly maxLine: number;

  private state: State = 'size';
  private line: Buffer[] = [];
  private lineLength = 0;
  private remaining = 0;
  private dataEndSeen = 0;
  private chunkHash: Hash | undefined;
  private chunkSignature = '';
  private readonly trailerValues = new Map<string, string>();
  private trailerCount = 0;
  private canonicalTrailers = '';
  private trailerSignature: string | undefined;

  constructor(opts: AwsChunkedOptions) {
    super();
    this.signedChunks = opts.mode !== 'unsigned-trailer';
    this.signedTrailer = opts.mode === 'signed-trailer';
    this.maxLine = opts.maxChunkHeaderBytes ?? DEFAULT_MAX_LINE;
    this.chain = this.signedChunks ? makeChain(opts) : undefined;
  }

  /** The trailer headers (lower-case names), complete once the stream has ended. */
  trailers(): Record<string, string> {
    return Object.fromEntries(this.trailerValues);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      // Some clients (the JS SDK without a checksum) end right after the last chunk's line, without the empty line.
      if (this.state === 'trailer' && this.lineLength === 0) this.endTrailers();
      if (this.state !== 'done') throw framing('the body ended before its final chunk');
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  private consume(buf: Buffer): void {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'data') i = this.consumeData(buf, i);
      else if (this.state === 'data-end') i = this.consumeDataEnd(buf, i);
      else if (this.state === 'done') throw framing('bytes after the end of the body');
      else i = this.consumeLine(buf, i);
    }
  }

  private consumeData(buf: Buffer, i: number): number {
    const n = Math.min(this.remaining, buf.length - i);
    const slice = buf.subarray(i, i + n);
    this.chunkHash?.update(slice);
    this.push(slice);
    this.remaining -= n;
    if (this.remaining === 0) {
      this.checkChunk(this.chunkHash?.digest('hex') ?? '');
      this.state = 'data-end';
    }
    return i + n;
  }

  /** The CRLF after a chunk's data, possibly split across writes. */
  private consumeDataEnd(buf: Buffer, i: number): number {
    if (buf[i] !== (this.dataEndSeen === 0 ? CR : LF)) throw framing('chunk data is not followed by CRLF');
    this.dataEndSeen++;
    if (this.dataEndSeen === 2) {
      this.dataEndSeen = 0;
      this.state = 'size';
    }
    return i + 1;
  }

  /** Accumulates a CRLF-terminated line (bounded), then handles it. */
  private consumeLine(buf: Buffer, i: number): number {
    const lf = buf.indexOf(LF, i);
    const end = lf < 0 ? buf.length : lf + 1;
    this.lineLength += end - i;
    if (this.lineLength > this.maxLine) throw framing(`a chunk header or trailer line exceeds ${this.maxLine} bytes`);
    this.line.push(buf.subarray(i, end));
    if (lf >= 0) {
      const line = Buffer.concat(this.line);
      this.line = [];
      this.lineLength = 0;
      if (line.length < 2 || line[line.length - 2] !== CR) throw framing('a line does not end with CRLF');
      const text = line.subarray(0, line.length - 2).toString('latin1');
      if (this.state === 'size') this.handleChunkHeader(text);
      else this.handleTrailerLine(text);
    }
    return end;
  }

  /** `hex-size[;chunk-signature=sig]` */
  private handleChunkHeader(text: string): void {
    const [sizeText = '', ...extensions] = text.split(';');
    if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText.trim())) throw framing(`invalid chunk size '${sizeText}'`);
    const size = parseInt(sizeText, 16);
    if (this.signedChunks) {
      const ext = extensions.find((e) => e.trim().startsWith('chunk-signature='));
      const signature = ext?.trim().slice('chunk-signature='.length) ?? '';
      if (!/^[0-9a-f]{64}$/.test(signature)) throw badSignature('A chunk of the aws-chunked body has a missing or malformed chunk-signature.');
      this.chunkSignature = signature;
    }
    if (size === 0) {
      this.checkChunk(EMPTY_SHA256);
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.chunkHash = this.signedChunks ? createHash('sha256') : undefined;
    this.state = 'data';
  }

  private checkChunk(chunkHashHex: string): void {
    if (!this.chain) return;
    if (!this.chain.verifyChunk(chunkHashHex, this.chunkSignature)) {
      throw badSignature('The chunk signature we calculated does not match the chunk-signature you provided.');
    }
  }

  /** `name:value`, then an empty line ends the body. */
  private handleTrailerLine(text: string): void {
    if (text === '') {
      this.endTrailers();
      return;
    }
    if (this.trailerSignature !== undefined) throw framing('a trailer follows x-amz-trailer-signature');
    const colon = text.indexOf(':');
    if (colon <= 0) throw framing(`invalid trailer line '${text.slice(0, 64)}'`);
    const name = text.slice(0, colon).trim().toLowerCase();
    const value = text.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value;
      return;
    }
    if (++this.trailerCount > MAX_TRAILERS) throw framing('too many trailers');
    this.trailerValues.set(name, value);
    this.canonicalTrailers += `${name}:${value}\n`;
  }

  private endTrailers(): void {
    if (this.signedTrailer && this.chain) {
      if (this.trailerSignature === undefined) throw badSignature('The aws-chunked body has no x-amz-trailer-signature.');
      if (!this.chain.verifyTrailer(this.canonicalTrailers, this.trailerSignature)) {
        throw badSignature('The trailer signature we calculated does not match the x-amz-trailer-signature you provided.');
      }
    }
    this.state = 'done';
  }
}

function makeChain(opts: AwsChunkedOptions): ChunkChain {
  const { signingKey, seedSignature, requestTimeIso, scope } = opts;
  if (!signingKey || !seedSignature || !requestTimeIso || !scope) {
    throw new TypeError(`aws-chunked mode '${opts.mode}' needs signingKey, seedSignature, requestTimeIso and scope`);
  }
  return new ChunkChain(signingKey, requestTimeIso, scope, seedSignature);
}
