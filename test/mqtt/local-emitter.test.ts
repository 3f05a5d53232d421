import { test } from 'node:test';
import { LocalEmitter } from '../../src/mqtt/local-emitter.js';
import { assertBurstDrains } from '../helpers/emitter-burst.js';

test('the one-node emitter drains a queue of 20,000 messages whose listener completes at once without deep recursion, in order, at most `concurrency` in flight', async (t) => {
  const emitter = new LocalEmitter(100);
  t.after(() => emitter.close());
  await assertBurstDrains(emitter);
});
