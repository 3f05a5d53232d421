/**
 * The server certificate every node of a cluster serves (kept in the
 * database, its key sealed under the KEK): when one node replaces it — a
 * start with a name the certificate lacks (a new --public-host), or the
 * renewal below — it tells the others over the bus, and each reads the new
 * one from the database and reloads its TLS listeners (tls-contexts.ts)
 * without a restart. After a gap in the bus a node reads it again, in case it
 * missed the news.
 *
 * Renewal: every node looks, by its clock, every `checkMs`; the first to find
 * the certificate within 30 days of its expiry issues the next one (with the
 * names it had and this node's) and announces it. Two nodes renewing at once
 * both write; each announces after writing and every node reloads what the
 * database holds when it hears, so all end on the last one written.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { ClusterBus } from '../cluster/bus.js';
import type { Kek } from '../pki/kek.js';
import type { Database } from '../store/schema.js';
import { certificateCovers, type PkiMaterial } from './data-dir.js';
import { issueSharedServerCertificate, readSharedServerCertificate } from './shared-pki.js';
import type { TlsContexts } from './tls-contexts.js';

const TOPIC = 'pki.server-certificate';
const CHECK_MS = 3600_000;

export interface SharedServerCertificateDeps {
  db: Kysely<Database>;
  kek: Kek;
  bus: ClusterBus;
  clock: Clock;
  logger: Logger;
  /** This node's PKI material: its server certificate and key are replaced in place on reload. */
  pki: PkiMaterial;
  tls: TlsContexts;
  /** The names this node's certificate must cover. */
  names: { dnsNames: string[]; ipAddresses: string[] };
  checkMs?: number;
}

export class SharedServerCertificate {
  private stops: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: SharedServerCertificateDeps) {}

  start(): void {
    const reload = () => void this.reload().catch((e: unknown) => this.deps.logger.warn({ err: e }, 'tls: reading the new server certificate failed'));
    this.stops = [this.deps.bus.subscribe(TOPIC, reload), this.deps.bus.onResync(reload)];
    this.timer = setInterval(() => void this.renewIfDue().catch((e: unknown) => this.deps.logger.warn({ err: e }, 'tls: renewing the server certificate failed')), this.deps.checkMs ?? CHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    this.stops.forEach((s) => s());
    if (this.timer) clearInterval(this.timer);
  }

  /** Tells every other node the certificate in the database replaced theirs. */
  async announce(): Promise<void> {
    await this.deps.bus.publish(TOPIC, {});
  }

  /** Serves the database's certificate if it is not the one served; true when it changed. */
  async reload(): Promise<boolean> {
    const stored = await readSharedServerCertificate(this.deps.db, this.deps.kek);
    if (!stored || stored.serverCertPem === this.deps.pki.serverCertPem) return false;
    this.deps.pki.serverCertPem = stored.serverCertPem;
    this.deps.pki.serverKeyPem = stored.serverKeyPem;
    this.deps.tls.reload(stored.serverCertPem, stored.serverKeyPem);
    this.deps.logger.info({ listeners: this.deps.tls.size }, 'tls: serving the new server certificate');
    return true;
  }

  /** Issues, serves and announces the next certificate when the current one is due for renewal; true if it did. */
  async renewIfDue(): Promise<boolean> {
    const now = this.deps.clock.now();
    const stored = await readSharedServerCertificate(this.deps.db, this.deps.kek);
    if (stored && certificateCovers(stored.serverCertPem, this.deps.names, now)) return false;
    const ca = { certificatePem: this.deps.pki.caCertPem, privateKeyPem: this.deps.pki.caKeyPem };
    await issueSharedServerCertificate(this.deps.db, this.deps.kek, ca, this.deps.names, now, stored?.serverCertPem);
    await this.reload();
    await this.announce();
    this.deps.logger.info('tls: server certificate renewed');
    return true;
  }
}
