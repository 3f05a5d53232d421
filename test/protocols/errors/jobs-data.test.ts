import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FerryError, type ErrorKind } from '../../../src/errors.js';
import { toAwsError } from '../../../src/protocols/errors/registry.js';
import { restJsonError } from '../../../src/protocols/errors/shapes.js';

const KINDS: ErrorKind[] = ['NotFound', 'AlreadyExists', 'InvalidInput', 'MalformedPolicy', 'InvalidState', 'VersionConflict', 'Conflict', 'LimitExceeded', 'Denied', 'Unauthenticated', 'TooLarge', 'Internal'];
// The errors AWS's front door answers for every JSON service, outside any model (signatures, policy refusals, routing).
const FRONT_DOOR = new Set(['AccessDeniedException', 'InvalidSignatureException', 'MissingAuthenticationTokenException', 'UnrecognizedClientException', 'ExpiredTokenException', 'UnknownOperationException']);

/** The errors the generated client knows: the iot-jobs-data-plane model's, as shipped in node_modules. */
function modeledErrors(): Map<string, number> {
  const source = readFileSync(createRequire(import.meta.url).resolve('@aws-sdk/client-iot-jobs-data-plane'), 'utf8');
  const names = new Map<string, string>([...source.matchAll(/^const (_\w+) = "(\w+Exception)";$/gm)].map((m) => [m[1]!, m[2]!]));
  const out = new Map<string, number>();
  for (const m of source.matchAll(/\[-3, n0, (_\w+), \{ \[_e\]: _[cs], \[_hE\]: (\d+) \}/g)) out.set(names.get(m[1]!)!, Number(m[2]));
  return out;
}

test("the Jobs data plane answers only the model's errors, with the model's statuses (policy refusals: the front door's AccessDeniedException)", () => {
  const modeled = modeledErrors();
  assert.equal(modeled.get('InvalidStateTransitionException'), 409, 'the model was read');
  for (const kind of KINDS) {
    const aws = toAwsError('iot-jobs-data', new FerryError(kind, 'x'));
    if (FRONT_DOOR.has(aws.code)) continue;
    assert.equal(modeled.get(aws.code), aws.status, `${kind} → ${aws.code} ${aws.status}`);
  }
  assert.equal(toAwsError('iot-jobs-data', new FerryError('VersionConflict', 'x')).code, 'InvalidStateTransitionException');
  assert.equal(toAwsError('iot-jobs-data', new FerryError('LimitExceeded', 'x')).code, 'ThrottlingException');
  assert.equal(toAwsError('iot-jobs-data', new FerryError('Internal', 'x')).code, 'ServiceUnavailableException');
  assert.equal(toAwsError('iot-jobs-data', new FerryError('Denied', 'x')).code, 'AccessDeniedException');
  assert.equal(toAwsError('iot-jobs-data', new FerryError('InvalidInput', 'x', { reason: 'certificate-validation' })).code, 'CertificateValidationException');
  const withState = restJsonError(toAwsError('iot-jobs-data', new FerryError('VersionConflict', 'stale', { members: { executionState: { status: 'QUEUED', versionNumber: 1 } } })), 'id');
  assert.deepEqual(JSON.parse(withState.body), { executionState: { status: 'QUEUED', versionNumber: 1 }, message: 'stale', code: 'InvalidStateTransitionException' });
});
