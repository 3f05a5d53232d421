import type { FastifyInstance } from 'fastify';
import type { AppContext } from './context.js';

/** What /readyz answers: each check ok or not, nothing more (it is unauthenticated). */
export interface Readiness {
  ready: boolean;
  checks: { database: boolean; redis: boolean; schema: boolean; listeners: boolean };
}

const CHECK_TIMEOUT_MS = 2000;

const within = <T>(work: Promise<T>, fallback: T): Promise<T> =>
  Promise.race([work.catch(() => fallback), new Promise<T>((resolve) => setTimeout(() => resolve(fallback), CHECK_TIMEOUT_MS).unref())]);

/** Database and Redis reachable, the schema the one this code knows, every listener up. */
export async function readiness(ctx: AppContext, listenersUp: () => boolean): Promise<Readiness> {
  const [database, redis, schema] = await Promise.all([
    within(ctx.store.ping().then(() => true), false),
    ctx.cluster.redisReachable(CHECK_TIMEOUT_MS),
    within(ctx.store.schemaProblem().then((p) => p === undefined), false),
  ]);
  const checks = { database, redis, schema, listeners: listenersUp() };
  return { ready: Object.values(checks).every(Boolean), checks };
}

/**
 * GET /healthz (the process answers) and GET /readyz (it can serve: 503 when
 * not) for a load balancer's checks: unauthenticated, no request id needed,
 * nothing sensitive in the answer.
 */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext, listenersUp: () => boolean): void {
  app.get('/healthz', async (_request, reply) => reply.code(200).type('application/json').send({ status: 'alive' }));
  app.get('/readyz', async (_request, reply) => {
    const r = await readiness(ctx, listenersUp);
    return reply
      .code(r.ready ? 200 : 503)
      .type('application/json')
      .send({ status: r.ready ? 'ready' : 'unready', checks: r.checks });
  });
}
