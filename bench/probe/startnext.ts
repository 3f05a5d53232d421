import { startTestCluster } from '/work/wt/cbench/test/cluster/helpers.ts';
const N = Number(process.env.N ?? 2000);
const c = await startTestCluster(3);
try {
  const [a] = c.nodes;
  const reg = a!.server.ctx.services.registry;
  const things = Array.from({ length: N }, (_, i) => `probe_${i}`);
  await reg.thingGroups.create('probe-group', {});
  for (let i = 0; i < N; i += 50) await Promise.all(things.slice(i, i + 50).map(async (name) => { await reg.things.create({ name }); await reg.thingGroups.addThing({ groupName: 'probe-group', thingName: name }); }));
  const root = { kind: 'root', arn: `arn:aws:iam::${a!.endpoints.accountId}:root`, accountId: a!.endpoints.accountId, accessKeyId: a!.credentials.accessKeyId } as any;
  await a!.server.ctx.services.jobs.createJob(root, { jobId: 'probe', targets: [reg.arns.thingGroup('probe-group')], targetSelection: 'SNAPSHOT', document: '{"op":"x"}' });
  const errors = new Map<string, number>();
  const t0 = Date.now();
  const lat: number[] = [];
  await Promise.all(things.map(async (thing, i) => {
    const node = c.nodes[i % 3]!;
    const s = Date.now();
    try {
      const r = await node.server.ctx.services.jobs.startNext(thing, {});
      await r.announce();
      const u = await node.server.ctx.services.jobs.update(thing, 'probe', { status: 'SUCCEEDED' }, { includeJobDocument: false });
      await u.announce();
    } catch (e) {
      const k = `${(e as Error).name}: ${(e as Error).message} ${(e as any).cause?.message ?? ''} ${(e as any).code ?? ''}`;
      errors.set(k, (errors.get(k) ?? 0) + 1);
    }
    lat.push(Date.now() - s);
  }));
  lat.sort((x, y) => x - y);
  console.log(JSON.stringify({ N, seconds: (Date.now() - t0) / 1000, p50: lat[Math.floor(N / 2)], p99: lat[Math.floor(N * 0.99)], errors: Object.fromEntries(errors) }, null, 1));
} finally {
  await c.close();
}
