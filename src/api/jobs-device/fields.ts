/**
 * The request fields both Jobs device APIs share, read the same way so the two
 * protocols cannot drift: the MQTT payloads (aws-wire-protocols.md §1.3) and
 * the HTTPS bodies and query strings (the iot-jobs-data-plane Smithy model)
 * carry the same members. Values the state machine checks (status,
 * statusDetails, expectedVersion, stepTimeoutInMinutes) pass through as sent.
 * Bad values are InvalidInput, which each adapter names in its own protocol.
 */
import { invalidInput } from '../../errors.js';
import type { DeviceUpdate } from '../../jobs/device.js';
import type { StartNextRequest } from '../../jobs/state-machine.js';

// The Smithy model: jobId [a-zA-Z0-9_-]+ of 1–64 (DescribeJobExecution's also admits `$next`),
// thingName [a-zA-Z0-9:_-]+ of 1–128.
export const JOB_ID = /^[a-zA-Z0-9_-]{1,64}$/;
export const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
export const NEXT = '$next';

export type Fields = Record<string, unknown>;

/** A job id from a topic or a path; `$next` only where `next` allows it. */
export function checkJobId(jobId: string, opts: { next: boolean }): string {
  if ((opts.next && jobId === NEXT) || JOB_ID.test(jobId)) return jobId;
  throw invalidInput(`${jobId} is not a valid job id.`);
}

export function checkThingName(thingName: string): string {
  if (THING_NAME.test(thingName)) return thingName;
  throw invalidInput(`${thingName} is not a valid thing name: 1-128 characters of [a-zA-Z0-9:_-].`);
}

export function optionalFlag(fields: Fields, name: string, fallback: boolean): boolean {
  const v = fields[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean') throw invalidInput(`${name} must be true or false.`);
  return v;
}

/** A non-negative integer (a string of digits too, as MQTT devices send numbers). */
export function optionalExecutionNumber(fields: Fields): number | undefined {
  const v = fields.executionNumber;
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalidInput('executionNumber must be a non-negative integer.');
  return n;
}

/** StartNextPendingJobExecution: `statusDetails`, `stepTimeoutInMinutes`. */
export function startNextRequestOf(fields: Fields): StartNextRequest {
  return { statusDetails: fields.statusDetails, stepTimeoutInMinutes: fields.stepTimeoutInMinutes };
}

export interface UpdateFields {
  request: DeviceUpdate;
  includeJobExecutionState: boolean;
  includeJobDocument: boolean;
}

/** UpdateJobExecution: the update, and what the answer should include (both default false). */
export function updateRequestOf(fields: Fields): UpdateFields {
  const includeJobExecutionState = optionalFlag(fields, 'includeJobExecutionState', false);
  const includeJobDocument = optionalFlag(fields, 'includeJobDocument', false);
  return {
    request: {
      status: fields.status as string,
      statusDetails: fields.statusDetails,
      expectedVersion: fields.expectedVersion,
      stepTimeoutInMinutes: fields.stepTimeoutInMinutes,
      executionNumber: optionalExecutionNumber(fields),
    },
    includeJobExecutionState,
    includeJobDocument,
  };
}
