import assert from 'node:assert/strict';
import type { EmitterCallback, EmitterListener, EmitterPacket } from '../../src/mqtt/local-emitter.js';

export interface BroadcastEmitter {
  readonly current: number;
  on(filter: string, listener: EmitterListener, done?: EmitterCallback): unknown;
  emit(packet: EmitterPacket, done?: EmitterCallback): unknown;
}

/**
 * 20,000 messages at once: the first 100 are held (every slot busy), the rest queue; once released,
 * every listener call completes at once. mqemitter's own queue recursed once per queued message
 * there (RangeError: Maximum call stack size exceeded).
 */
export async function assertBurstDrains(emitter: BroadcastEmitter): Promise<void> {
  const topic = 'fleet/burst';
  const seen: number[] = [];
  let maxInFlight = 0;
  const held: Array<() => void> = [];
  await new Promise<void>((resolve) =>
    emitter.on(
      topic,
      (packet, done) => {
        seen.push(Number(String(packet.payload)));
        maxInFlight = Math.max(maxInFlight, emitter.current);
        if (seen.length <= 100) held.push(done);
        else done();
      },
      () => resolve(),
    ),
  );
  const total = 20_000;
  let completed = 0;
  for (let i = 0; i < total; i++) emitter.emit({ cmd: 'publish', topic, payload: Buffer.from(String(i)), qos: 0, retain: false, dup: false }, () => completed++);
  assert.equal(seen.length, 100, 'only `concurrency` messages start while every slot is held');
  for (const done of held.splice(0)) done();
  assert.equal(completed, total);
  assert.deepEqual(seen, Array.from({ length: total }, (_, i) => i), 'each once, in order');
  assert.ok(maxInFlight <= 100, `at most 100 in flight (saw ${maxInFlight})`);
  assert.equal(emitter.current, 0);
}
