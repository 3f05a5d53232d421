/**
 * Certificate rotation (`ferry thing create NAME --rotate`): a new ACTIVE
 * certificate for a thing, signed from the operator's CSR (the private key
 * never reaches the server), attached to the thing with the old
 * certificates' policies; each old certificate stays ACTIVE until the new one
 * is first used (an accepted MQTT connection, an authorized Jobs HTTPS
 * request, credentials from the credentials provider) or its grace runs out,
 * then it is deactivated (its connections dropped) and detached from the
 * thing. The pending retirements are stored (iot_certificate_rotations), so
 * they survive restarts, and claimed under a lease as job timers are
 * (src/jobs/timers.ts), so in a cluster one node retires each; retiring twice
 * is harmless.
 */
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { invalidInput, isFerryError } from '../errors.js';
import type { IotCertificateRotationsTable } from '../store/tables/registry.js';
import type { Certificates } from './certificates.js';
import type { RegistryDeps } from './deps.js';
import type { Policies } from './policies.js';
import type { PolicyTargets } from './policy-targets.js';
import type { Principals } from './principals.js';
import type { Things } from './things.js';
import type { Certificate } from './types.js';

/** The most a grace period may be: a year. */
export const MAX_GRACE_MS = 365 * 24 * 3600 * 1000;

export interface RotateInput {
  thingName: string;
  /** The device's new key's CSR (PEM). */
  csrPem: string;
  /** How long each old certificate stays ACTIVE if the new one is never used. */
  graceMs: number;
  /** Policies for the new certificate; default: those attached to the certificates it replaces. */
  policyNames?: string[] | undefined;
}

export interface Retirement {
  certificateId: string;
  certificateArn: string;
  /** When it is retired at the latest (the grace deadline). */
  retireAt: number;
}

export interface RotationResult {
  thingName: string;
  certificate: Certificate;
  policyNames: string[];
  retiring: Retirement[];
}

/** Why an old certificate was retired, as the log says. */
export type RetiredBecause = 'new-certificate-used' | 'grace-expired';

export interface RotationSchedule {
  /** Who claims retirements (the node id) and for how long. */
  owner: string;
  leaseMs: number;
  /** How often to look for due retirements (real time; tests call tick()). */
  intervalMs: number;
  logger: Logger;
}

type Row = Pick<IotCertificateRotationsTable, 'old_certificate_id' | 'new_certificate_id' | 'thing_name' | 'new_seen_at'>;

const PER_TICK = 100;

export class CertificateRotations {
  private schedule: RotationSchedule = { owner: 'local', leaseMs: 30_000, intervalMs: 1000, logger: undefined as unknown as Logger };
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: RegistryDeps,
    private readonly parts: { things: Things; certificates: Certificates; principals: Principals; targets: PolicyTargets; policies: Policies },
  ) {}

  /** Issues the new certificate and records the retirement of every other ACTIVE certificate of the thing. */
  async rotate(input: RotateInput): Promise<RotationResult> {
    if (!Number.isInteger(input.graceMs) || input.graceMs < 1000 || input.graceMs > MAX_GRACE_MS) {
      throw invalidInput('graceSeconds must be a whole number of seconds from 1 to 31536000 (a year).');
    }
    await this.parts.things.describe(input.thingName);
    const old = await this.activeCertificatesOf(input.thingName);
    const policyNames = input.policyNames ?? (await this.parts.targets.policyNamesFor(this.deps.db, old.map((c) => c.arn)));
    // Every policy named exists before anything is issued.
    for (const name of policyNames) await this.parts.policies.get(name);
    const certificate = await this.parts.certificates.createFromCsr(input.csrPem, true);
    await this.parts.principals.attach(input.thingName, certificate.arn);
    for (const name of policyNames) await this.parts.targets.attach(name, certificate.arn);
    const now = this.deps.clock.now();
    const retireAt = now + input.graceMs;
    for (const c of old) {
      const row = { new_certificate_id: certificate.id, thing_name: input.thingName, requested_at: now, retire_at: retireAt, new_seen_at: null, timer_owner: null, timer_lease_until: null };
      await this.deps.db
        .insertInto('iot_certificate_rotations')
        .values({ old_certificate_id: c.id, ...row })
        // A rotation before the last one finished: the old certificate now waits for the newest.
        .onConflict((oc) => oc.column('old_certificate_id').doUpdateSet(row))
        .execute();
    }
    return { thingName: input.thingName, certificate, policyNames, retiring: old.map((c) => ({ certificateId: c.id, certificateArn: c.arn, retireAt })) };
  }

  /** The pending retirements of a thing's certificates. */
  async pendingFor(thingName: string): Promise<Array<Retirement & { newCertificateId: string }>> {
    const rows = await this.deps.db.selectFrom('iot_certificate_rotations').selectAll().where('thing_name', '=', thingName).orderBy('old_certificate_id').execute();
    return rows.map((r) => ({ certificateId: r.old_certificate_id, certificateArn: this.deps.arns.cert(r.old_certificate_id), retireAt: r.retire_at, newCertificateId: r.new_certificate_id }));
  }

  /**
   * A device used this certificate successfully. If it is a rotation's new
   * certificate seen for the first time, the certificates it replaces are
   * retired now. One indexed read when it is not (every connect asks).
   */
  async certificateUsed(certificateId: string): Promise<void> {
    const waiting = await this.deps.db
      .selectFrom('iot_certificate_rotations')
      .select('old_certificate_id')
      .where('new_certificate_id', '=', certificateId)
      .where('new_seen_at', 'is', null)
      .executeTakeFirst();
    if (!waiting) return;
    const now = this.deps.clock.now();
    await this.deps.db
      .updateTable('iot_certificate_rotations')
      .set({ new_seen_at: now, retire_at: now })
      .where('new_certificate_id', '=', certificateId)
      .where('new_seen_at', 'is', null)
      .execute();
    await this.retireDue(certificateId);
  }

  /** Looks for due retirements every `intervalMs` (the grace deadlines, and any a crash left half done). */
  start(schedule: RotationSchedule): void {
    this.schedule = schedule;
    this.timer = setInterval(() => void this.tick(), schedule.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.settled();
  }

  /** One pass by the clock: every retirement due is claimed and done. One pass at a time. */
  async tick(): Promise<void> {
    while (this.ticking) await this.ticking;
    this.ticking = this.retireDue().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  /** Resolves once every retirement begun so far is done (deactivated, detached, forgotten). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private retireDue(newCertificateId?: string): Promise<void> {
    const work = (async () => {
      try {
        for (const row of await this.claimDue(newCertificateId)) await this.retire(row);
      } catch (error) {
        this.schedule.logger?.error({ err: error }, 'retiring rotated certificates failed');
      }
    })();
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** Claims due retirements no other node holds a live lease on, in one statement (see claimDueTimeouts). */
  private async claimDue(newCertificateId: string | undefined): Promise<Row[]> {
    const now = this.deps.clock.now();
    const { owner, leaseMs } = this.schedule;
    const lock = this.deps.dialect === 'postgres' ? sql`for update skip locked` : sql``;
    const onlyNew = newCertificateId === undefined ? sql`` : sql`and new_certificate_id = ${newCertificateId}`;
    const { rows } = await sql<Row>`
      update iot_certificate_rotations set timer_owner = ${owner}, timer_lease_until = ${now + leaseMs}
      where old_certificate_id in (
        select old_certificate_id from iot_certificate_rotations
        where retire_at <= ${now} and (timer_lease_until is null or timer_lease_until <= ${now}) ${onlyNew}
        order by retire_at limit ${PER_TICK} ${lock})
      returning old_certificate_id, new_certificate_id, thing_name, new_seen_at`.execute(this.deps.db);
    return rows;
  }

  /** Deactivates (dropping its connections) and detaches the old certificate, then forgets the rotation. */
  private async retire(row: Row): Promise<void> {
    const because: RetiredBecause = row.new_seen_at === null ? 'grace-expired' : 'new-certificate-used';
    const old = await this.parts.certificates.get(this.deps.db, row.old_certificate_id);
    if (old?.status === 'ACTIVE') await this.parts.certificates.update(old.id, 'INACTIVE');
    await this.parts.principals.detach(row.thing_name, this.deps.arns.cert(row.old_certificate_id)).catch((error: unknown) => {
      // The thing was deleted meanwhile: nothing left to detach.
      if (!isFerryError(error) || error.kind !== 'NotFound') throw error;
    });
    await this.deps.db.deleteFrom('iot_certificate_rotations').where('old_certificate_id', '=', row.old_certificate_id).where('timer_owner', '=', this.schedule.owner).execute();
    this.schedule.logger?.info(
      { thingName: row.thing_name, certificateId: row.old_certificate_id, newCertificateId: row.new_certificate_id, because },
      'rotated certificate retired: deactivated and detached',
    );
  }

  private async activeCertificatesOf(thingName: string): Promise<Certificate[]> {
    const rows = await this.deps.db.selectFrom('iot_thing_principals').select('principal').where('thing_name', '=', thingName).execute();
    const found: Certificate[] = [];
    for (const { principal } of rows) {
      const id = this.deps.arns.nameIn(principal, 'cert');
      const certificate = id === undefined ? undefined : await this.parts.certificates.get(this.deps.db, id);
      if (certificate?.status === 'ACTIVE') found.push(certificate);
    }
    return found;
  }
}
