/**
 * A real HAProxy (Debian's /usr/sbin/haproxy, 2.6) in front of servers a test
 * started: TCP mode, each backend's servers health-checked over HTTP(S) on a
 * path the test names, connections to them made from `sourceAddress` with a
 * PROXY protocol header, as a production balancer would. The frontends' ports
 * are found free at run time (HAProxy cannot report a port 0 it bound).
 * Its runtime API (a unix socket in its temp dir) tells each server's state
 * and drains or readies servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { tempDir } from './temp.js';

export const HAPROXY = process.env.FERRY_TEST_HAPROXY ?? '/usr/sbin/haproxy';

let warned = false;
/** The reason HAProxy tests skip (printed once), or false. Under CI it is installed (.ci/run). */
export function haproxySkipReason(): string | false {
  if (existsSync(HAPROXY)) return false;
  if (!warned) {
    warned = true;
    process.stdout.write(`# HAProxy tests skipped: ${HAPROXY} is not installed (apt-get install -y haproxy; .ci/run installs it)\n`);
  }
  return `${HAPROXY} is not installed`;
}

export interface HaproxyServer {
  name: string;
  host: string;
  port: number;
  /** Health check: GET `path` on `port` (TLS when `tls`); 2xx = up. */
  check: { port: number; path: string; tls: boolean };
}

export interface HaproxyBackend {
  name: string;
  balance: 'leastconn' | 'roundrobin';
  servers: HaproxyServer[];
}

export interface HaproxyOptions {
  backends: HaproxyBackend[];
  /** The address HAProxy connects to servers from (all of 127/8 is loopback). */
  sourceAddress: string;
  proxyProtocol: 'v1' | 'v2' | 'none';
  /** Health-check interval; a server is down after two failed checks, up after one good one. */
  checkIntervalMs?: number;
  /** Connections at once (default 2000). Each takes two file descriptors: HAProxy refuses a maxconn the fd limit cannot hold. */
  maxconn?: number;
}

export type ServerState = 'UP' | 'DOWN' | 'MAINT' | 'DRAIN' | string;

export interface Haproxy {
  /** Each backend's frontend port on 127.0.0.1. */
  ports: Record<string, number>;
  /** `backend/server` → its state as HAProxy sees it (UP, DOWN, MAINT, DRAIN, "no check"…). */
  states(): Promise<Map<string, ServerState>>;
  /** Waits until `server` has `state` in every backend. */
  waitFor(server: string, state: ServerState, timeoutMs?: number): Promise<void>;
  /** Sets `server`'s administrative state in every backend (drain: no new connections). */
  setState(server: string, state: 'ready' | 'drain' | 'maint'): Promise<void>;
  /** HAProxy's own log lines (alerts and warnings). */
  log(): string;
  close(): Promise<void>;
}

/** HAProxy's configuration for `o`: frontends on 127.0.0.1 at `ports` (by backend name), the runtime API on `socket`. */
export function haproxyConfig(o: HaproxyOptions, ports: Record<string, number>, socket: string): string {
  const inter = o.checkIntervalMs ?? 300;
  const proxy = o.proxyProtocol === 'v2' ? ' send-proxy-v2' : o.proxyProtocol === 'v1' ? ' send-proxy' : '';
  const lines = [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    `  maxconn ${o.maxconn ?? 2000}`,
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 5m',
    '  timeout server 5m',
    '  timeout check 2s',
    // A server that refuses (killed) is left for another on the next attempt.
    '  option redispatch',
    '  retries 3',
  ];
  for (const b of o.backends) {
    lines.push(`frontend ${b.name}`, `  bind 127.0.0.1:${ports[b.name]}`, `  default_backend ${b.name}`);
    lines.push(`backend ${b.name}`, `  balance ${b.balance}`, `  source ${o.sourceAddress}`);
    const [first] = b.servers;
    if (first) lines.push('  option httpchk', `  http-check send meth GET uri ${first.check.path}`, '  http-check expect status 200');
    for (const s of b.servers) {
      const tls = s.check.tls ? ' check-ssl verify none' : '';
      lines.push(`  server ${s.name} ${s.host}:${s.port}${proxy} check port ${s.check.port}${tls} inter ${inter} fall 2 rise 1`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Sends one runtime-API command; resolves with the answer. */
export function haproxyCommand(socket: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.connect(socket);
    let out = '';
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
    c.end(`${line}\n`);
  });
}

/** Every `backend/server` → its state (UP, DOWN, MAINT, DRAIN…) and its last check, from the runtime API. */
export async function haproxyServers(socket: string): Promise<Map<string, { state: ServerState; check: string }>> {
  const csv = await haproxyCommand(socket, 'show stat');
  const [header = '', ...rows] = csv.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const result = new Map<string, { state: ServerState; check: string }>();
  for (const row of rows) {
    const cells = row.split(',');
    const server = cells[at('svname')]!;
    if (server === 'FRONTEND' || server === 'BACKEND') continue;
    result.set(`${cells[at('pxname')]}/${server}`, { state: cells[at('status')]!, check: `${cells[at('check_status')]} ${cells[at('last_chk')]}` });
  }
  return result;
}

export async function startHaproxy(o: HaproxyOptions): Promise<Haproxy> {
  const dir = tempDir('ferry-haproxy-');
  const socket = join(dir, 'admin.sock');
  const ports: Record<string, number> = {};
  for (const b of o.backends) ports[b.name] = await freePort();
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(o, ports, socket));
  const logFile = join(dir, 'haproxy.log');
  const out = openSync(logFile, 'a');
  // -db: stay in the foreground, no daemon; it is this test's child.
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', out, out] });
  closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${log()}`);
    if (existsSync(socket) && (await haproxyCommand(socket, 'show info').catch(() => '')).includes('Name: HAProxy')) break;
    if (Date.now() > deadline) throw new Error(`haproxy did not start: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const lastCheck = new Map<string, string>();
  const states = async () => {
    const now = await haproxyServers(socket);
    for (const [key, s] of now) lastCheck.set(key, s.check);
    return new Map([...now].map(([key, s]) => [key, s.state]));
  };
  return {
    ports,
    states,
    async waitFor(server, state, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const now = await states();
        const mine = [...now].filter(([key]) => key.endsWith(`/${server}`));
        if (mine.length > 0 && mine.every(([, s]) => s === state)) return;
        if (Date.now() > until) throw new Error(`haproxy: ${server} not ${state} within ${timeoutMs} ms: ${mine.map(([k, s]) => `${k}=${s} (${lastCheck.get(k)})`).join(' ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async setState(server, state) {
      for (const b of o.backends) {
        const answer = await haproxyCommand(socket, `set server ${b.name}/${server} state ${state}`);
        if (answer.trim()) throw new Error(`haproxy: set server ${b.name}/${server} state ${state}: ${answer.trim()}`);
      }
    },
    log,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
