import { Readable } from 'node:stream';
import { FerryError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import type { Db } from './deps.js';
import type { ObjectRow } from './object-rows.js';
import type { ByteRange, RangeRequest } from './types.js';

/**
 * The bytes a Range asks for, clamped to the object; a start at or past the
 * end is InvalidRange (416) with the fields S3 adds (aws-wire-protocols.md §4.2).
 */
export function resolveRange(request: RangeRequest, size: number, asked: string): ByteRange {
  const unsatisfiable = () =>
    new FerryError('InvalidInput', 'The requested range is not satisfiable', {
      reason: 'invalid-range',
      fields: { RangeRequested: asked, ActualObjectSize: String(size) },
    });
  if ('suffix' in request) {
    if (request.suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - request.suffix), end: size - 1 };
  }
  if (request.start >= size) throw unsatisfiable();
  return { start: request.start, end: Math.min(request.end ?? size - 1, size - 1) };
}

interface Segment {
  blob_id: string;
  start_offset: number;
  size: number;
}

async function segmentsOf(db: Db, row: ObjectRow): Promise<Segment[]> {
  if (row.blob_id) return [{ blob_id: row.blob_id, start_offset: 0, size: Number(row.size) }];
  const rows = await db
    .selectFrom('s3_object_segments')
    .select(['blob_id', 'start_offset', 'size'])
    .where('version_id', '=', row.version_id)
    .orderBy('part_number')
    .execute();
  return rows.map((r) => ({ blob_id: r.blob_id, start_offset: Number(r.start_offset), size: Number(r.size) }));
}

/** The pieces of each segment a range covers, in order. */
function slices(segments: Segment[], range: ByteRange): Array<{ blobId: string; range: ByteRange }> {
  const out: Array<{ blobId: string; range: ByteRange }> = [];
  for (const s of segments) {
    const segEnd = s.start_offset + s.size - 1;
    if (s.size === 0 || segEnd < range.start || s.start_offset > range.end) continue;
    out.push({ blobId: s.blob_id, range: { start: Math.max(range.start, s.start_offset) - s.start_offset, end: Math.min(range.end, segEnd) - s.start_offset } });
  }
  return out;
}

/**
 * Streams a version's bytes (a range of them, or all), reading only what is
 * asked. A simple object is one blob, opened before this returns; a
 * multipart object's segments are opened one after another as the reader
 * pulls (the caller's lease keeps them from being deleted meanwhile).
 */
export async function openVersion(db: Db, blobs: BlobStore, row: ObjectRow, range: ByteRange | undefined): Promise<Readable> {
  const size = Number(row.size);
  if (size === 0) return Readable.from([]);
  const whole = range ?? { start: 0, end: size - 1 };
  const pieces = slices(await segmentsOf(db, row), whole);
  const [first, ...rest] = pieces;
  if (!first) return Readable.from([]);
  const firstStream = await blobs.read(first.blobId, first.range);
  if (rest.length === 0) return firstStream;
  async function* concatenated(): AsyncGenerator<Buffer> {
    yield* firstStream;
    for (const piece of rest) yield* await blobs.read(piece.blobId, piece.range);
  }
  const out = Readable.from(concatenated(), { objectMode: false, highWaterMark: 64 * 1024 });
  // A reader gone before the first pull never started the generator: close the opened file.
  out.once('close', () => firstStream.destroy());
  return out;
}
