/**
 * The aggregation calls (GetStatistics, GetCardinality, GetPercentiles,
 * GetBucketsAggregation) over the things a query matches. Ferry computes
 * them exactly over the whole match (AWS's cardinality and percentiles are
 * estimates; an exact answer is within any estimate's error).
 */
import type { Kysely } from 'kysely';
import { FerryError, invalidInput } from '../errors.js';
import type { Database } from '../store/schema.js';
import { valuesOf, type ThingDocument } from './document.js';
import { checkField } from './query/index.js';
import { matchingDocuments } from './search.js';

export interface AggregationRequest {
  indexName?: string | undefined;
  queryString: string;
  queryVersion?: string | undefined;
  aggregationField?: string | undefined;
}

export interface Statistics {
  count: number;
  average?: number;
  sum?: number;
  minimum?: number;
  maximum?: number;
  sumOfSquares?: number;
  variance?: number;
  stdDeviation?: number;
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const DEFAULT_PERCENTS = [1, 5, 25, 50, 75, 95, 99];
const MAX_BUCKETS = 10_000;

const invalidAggregation = (message: string) => new FerryError('InvalidInput', message, { reason: 'invalid-aggregation' });

/** Without a field: how many things match. With a numeric field: its statistics over the things that have it. */
export async function statistics(db: Kysely<Database>, request: AggregationRequest): Promise<Statistics> {
  const docs = await matchingDocuments(db, request);
  if (request.aggregationField === undefined) return { count: docs.length };
  const values = fieldValues(docs, request.aggregationField);
  const numbers = values.filter((v) => NUMBER.test(v)).map(Number);
  if (numbers.length < values.length || numbers.length === 0) return { count: values.length };
  const sum = numbers.reduce((a, b) => a + b, 0);
  const sumOfSquares = numbers.reduce((a, b) => a + b * b, 0);
  const average = sum / numbers.length;
  const variance = sumOfSquares / numbers.length - average * average;
  return { count: numbers.length, average, sum, minimum: Math.min(...numbers), maximum: Math.max(...numbers), sumOfSquares, variance, stdDeviation: Math.sqrt(variance) };
}

/** How many distinct values the field takes among the matching things. */
export async function cardinality(db: Kysely<Database>, request: AggregationRequest): Promise<number> {
  const docs = await matchingDocuments(db, request);
  return new Set(fieldValues(docs, requiredField(request)).map((v) => v.toLowerCase())).size;
}

/** Percentiles of a numeric field (nearest-rank interpolation between neighbours). */
export async function percentiles(db: Kysely<Database>, request: AggregationRequest & { percents?: number[] | undefined }): Promise<Array<{ percent: number; value: number }>> {
  const percents = request.percents ?? DEFAULT_PERCENTS;
  for (const p of percents) if (typeof p !== 'number' || p < 0 || p > 100) throw invalidInput('percents must be numbers from 0 to 100.');
  const docs = await matchingDocuments(db, request);
  const values = fieldValues(docs, requiredField(request));
  if (values.some((v) => !NUMBER.test(v))) throw invalidAggregation(`${request.aggregationField} has values that are not numbers: percentiles need a numeric field.`);
  const sorted = values.map(Number).sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return percents.map((percent) => {
    const rank = (percent / 100) * (sorted.length - 1);
    const low = Math.floor(rank);
    const high = Math.ceil(rank);
    return { percent, value: sorted[low]! + (sorted[high]! - sorted[low]!) * (rank - low) };
  });
}

/** The field's most frequent values and their counts (a terms aggregation), most frequent first. */
export async function buckets(db: Kysely<Database>, request: AggregationRequest & { maxBuckets?: number | undefined }): Promise<{ totalCount: number; buckets: Array<{ keyValue: string; count: number }> }> {
  const maxBuckets = request.maxBuckets ?? 10;
  if (!Number.isInteger(maxBuckets) || maxBuckets < 1 || maxBuckets > MAX_BUCKETS) throw invalidInput(`termsAggregation.maxBuckets must be an integer from 1 to ${MAX_BUCKETS}.`);
  const docs = await matchingDocuments(db, request);
  const field = requiredField(request);
  const counts = new Map<string, number>();
  for (const doc of docs) for (const v of new Set(valuesOf(doc, field))) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return { totalCount: docs.length, buckets: sorted.slice(0, maxBuckets).map(([keyValue, count]) => ({ keyValue, count })) };
}

function requiredField(request: AggregationRequest): string {
  if (request.aggregationField === undefined) throw invalidAggregation('aggregationField is required.');
  return request.aggregationField;
}

function fieldValues(docs: ThingDocument[], field: string): string[] {
  try {
    checkField(field);
  } catch (error) {
    throw invalidAggregation(`aggregationField: ${(error as Error).message}`);
  }
  return docs.flatMap((d) => valuesOf(d, field));
}
