/**
 * Listening sockets handed over by systemd (socket activation, sd_listen_fds(3)):
 * `LISTEN_PID` names the process they are for, `LISTEN_FDS` how many there are
 * (from fd 3 on), `LISTEN_FDNAMES` their names (`FileDescriptorName=` of each
 * socket unit), colon-separated. A socket named after a listener is that
 * listener's; a single socket named otherwise (systemd's default name is the
 * unit's) is the device listener's, the one that wants port 443. A listener
 * without a socket binds its port as usual.
 */

export type ListenerName = 'api' | 'device' | 's3' | 'mqtt';

const LISTENERS: readonly ListenerName[] = ['api', 'device', 's3', 'mqtt'];

/** SD_LISTEN_FDS_START: the first fd systemd passes. */
const FIRST_FD = 3;

/** The fds passed for each listener; empty when systemd passed none to this process. */
export type InheritedSockets = Partial<Record<ListenerName, number>>;

/**
 * Reads (and, as sd_listen_fds(1) does, removes from `env`, so processes Ferry
 * starts do not take the sockets for theirs) the sockets passed to process `pid`.
 * Throws when they cannot be told apart: several sockets not each named after a listener.
 */
export function inheritedSockets(env: NodeJS.ProcessEnv, pid: number): InheritedSockets {
  const { LISTEN_PID: forPid, LISTEN_FDS: count, LISTEN_FDNAMES: names } = env;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  // Set for another process (a parent that did not clear them): not ours.
  if (forPid === undefined || Number(forPid) !== pid) return {};
  const n = Number(count);
  if (!Number.isInteger(n) || n < 1) return {};
  const named = (names ?? '').split(':');
  const sockets: InheritedSockets = {};
  for (let i = 0; i < n; i++) {
    const name = named[i] as ListenerName;
    if (!LISTENERS.includes(name)) {
      if (n === 1) return { device: FIRST_FD };
      throw new Error(`systemd passed ${n} sockets; name each after its listener (FileDescriptorName=${LISTENERS.join('|')}), not '${named[i] ?? ''}'`);
    }
    if (sockets[name] !== undefined) throw new Error(`systemd passed two sockets named '${name}'`);
    sockets[name] = FIRST_FD + i;
  }
  return sockets;
}


/** A listen on a passed socket failed: say which socket, so the unit file can be fixed. */
export function inheritedSocketFailed(listener: ListenerName, fd: number, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`the ${listener} listener cannot listen on the socket systemd passed as fd ${fd} (a listening TCP socket is needed, Accept=no): ${reason}`, { cause: error });
}
