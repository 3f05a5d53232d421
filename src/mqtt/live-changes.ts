import type { Logger } from 'pino';
import type { ChangeFeed } from '../registry/index.js';
import type { Connections, DeviceConnection } from './connections.js';
import type { DeviceAuthority, Resolution } from './device-authority.js';
import type { IamAuthority } from './iam-authority.js';
import type { MqttArns } from './topics.js';

export interface LiveChangesDeps {
  feed: Pick<ChangeFeed, 'on'>;
  connections: Connections;
  authority: DeviceAuthority;
  /** Judges the connections signed with SigV4 (WebSocket) again. */
  iamAuthority?: IamAuthority;
  /** Names `client/{clientId}`, whose `iot:Connect` is judged again with the new policies. */
  arns: Pick<MqttArns, 'client'>;
  logger: Logger;
}

/**
 * Registry changes reach open connections before the API call that made them
 * answers (the feed awaits its listeners): a certificate that stops being
 * ACTIVE (or is deleted) has its connections closed; a change to a policy, an
 * attachment, a thing or its groups recompiles the policies of the connections
 * it may concern, so their next operation is judged by the new policies, and a
 * connection whose new policies no longer allow `iot:Connect` for its client id
 * (e.g. an `aws:SourceIp` condition now denying its address) is closed with
 * FORBIDDEN_ACCESS. The same holds for SigV4 connections after any IAM write.
 * CONNECTs still resolving when a change lands resolve again.
 * Returns the function that stops following.
 */
export function followRegistryChanges(deps: LiveChangesDeps): () => void {
  const { connections } = deps;
  const recompileWhere = (test: (c: DeviceConnection) => boolean) => Promise.all(connections.where(test).map((c) => recompile(deps, c)));
  const on: typeof deps.feed.on = (name, listener) =>
    deps.feed.on(name, (event) => {
      connections.staleAllPending();
      return listener(event);
    });
  const stops = [
    on('certificate-status', async ({ certificateId, status }) => {
      if (status !== 'ACTIVE') await closeWhere(deps, (c) => c.device?.certificateId === certificateId);
    }),
    on('certificate-deleted', async ({ certificateId }) => {
      await closeWhere(deps, (c) => c.device?.certificateId === certificateId);
    }),
    on('ca-certificate-status', async ({ certificateId }) => {
      await recompileWhere((c) => c.device?.caCertificateId === certificateId);
    }),
    on('policy-changed', async ({ policyName }) => {
      await recompileWhere((c) => uses(c, policyName));
    }),
    on('policy-attachment', async ({ policyName, target }) => {
      // A group's policy reaches the things of the group and of its descendants:
      // every connection bound to a thing may be concerned.
      const toGroup = target.includes(':thinggroup/');
      await recompileWhere((c) => c.device?.certificateArn === target || uses(c, policyName) || (toGroup && c.device?.thingName !== undefined));
    }),
    on('thing-principal', async ({ principal }) => {
      await recompileWhere((c) => c.device?.certificateArn === principal);
    }),
    on('thing-updated', async ({ thingName }) => {
      await recompileWhere((c) => c.device?.thingName === thingName || c.clientId === thingName);
    }),
    on('thing-deleted', async ({ thingName }) => {
      await recompileWhere((c) => c.device?.thingName === thingName || c.clientId === thingName);
    }),
    on('thing-group-membership', async ({ thingName }) => {
      await recompileWhere((c) => c.device?.thingName === thingName);
    }),
    // Any IAM write may change what a signer may do (its key, its policies, its groups): every signed connection is judged again.
    on('iam-changed', async () => {
      await recompileWhere((c) => c.signer !== undefined);
    }),
  ];
  return () => stops.forEach((stop) => stop());
}

/**
 * Every connection resolved again: after the cluster bus was down, registry
 * changes made through other nodes may have been missed; the database has them.
 */
export async function recompileAll(deps: Omit<LiveChangesDeps, 'feed'>): Promise<void> {
  deps.connections.staleAllPending();
  await Promise.all(deps.connections.all().map((c) => recompile(deps, c)));
}

const uses = (connection: DeviceConnection, policyName: string): boolean => connection.device?.policyNames.includes(policyName) ?? false;

async function closeWhere(deps: LiveChangesDeps, test: (c: DeviceConnection) => boolean): Promise<void> {
  const closing = deps.connections.where(test);
  for (const c of closing) deps.logger.info({ clientId: c.clientId, certificateId: c.device?.certificateId }, 'mqtt connection closed: certificate no longer ACTIVE');
  await Promise.all(closing.map((c) => c.close('AUTH_ERROR')));
}

/**
 * Resolves the connection's identity again; a refusal (e.g. its CA deactivated)
 * closes it (AUTH_ERROR), policies no longer allowing it to be connected close it
 * (FORBIDDEN_ACCESS), and so does a failure to resolve it (SERVER_ERROR). When changes overlap, the latest resolution wins and every caller
 * waits for it, so no API call answers before its change is in force.
 */
function recompile(deps: Omit<LiveChangesDeps, 'feed'>, connection: DeviceConnection): Promise<void> {
  const generation = ++connection.generation;
  const done = resolveAgain(deps, connection).then(
    async (apply) => {
      if (generation === connection.generation) return apply();
      await latest.get(connection);
    },
    // The identity could not be judged again (the database failing): fail closed rather than keep the old policies.
    async (error: unknown) => {
      deps.logger.error({ err: error, clientId: connection.clientId }, 'mqtt connection closed: its policies could not be resolved again');
      if (!connection.closed) await connection.close('SERVER_ERROR');
    },
  );
  latest.set(connection, done);
  return done;
}

const latest = new WeakMap<DeviceConnection, Promise<void>>();

/** The connection's identity resolved afresh: its certificate's, or its signer's (undefined: not yet authenticated). */
function identityOf(deps: Omit<LiveChangesDeps, 'feed'>, connection: DeviceConnection): Promise<Resolution> | undefined {
  const where = { clientId: connection.clientId, sourceIp: connection.sourceIp };
  if (connection.signer) return deps.iamAuthority?.resolve(connection.signer, where);
  if (!connection.certificateId) return undefined;
  return deps.authority.resolve(connection.certificateId, where);
}

async function resolveAgain(deps: Omit<LiveChangesDeps, 'feed'>, connection: DeviceConnection): Promise<() => Promise<void>> {
  const resolution = await identityOf(deps, connection);
  if (!resolution) return async () => {};
  return async () => {
    if (connection.closed) return;
    if (!resolution.ok) {
      deps.logger.info({ clientId: connection.clientId, reason: resolution.reason }, `mqtt connection closed: ${resolution.message}`);
      return connection.close('AUTH_ERROR');
    }
    connection.device = resolution.device;
    // The right to stay connected is judged as at CONNECT: AWS's FORBIDDEN_ACCESS ("not allowed to be connected").
    if (!resolution.device.policy.allows('iot:Connect', deps.arns.client(connection.clientId))) {
      deps.logger.info({ clientId: connection.clientId, principal: resolution.device.certificateArn }, 'mqtt connection closed: iot:Connect is no longer allowed');
      return connection.close('FORBIDDEN_ACCESS');
    }
  };
}
