/**
 * SQLite has one connection, and Kysely's SqliteDriver guards it with a mutex
 * whose waiters all await one promise: each release wakes every waiter, one
 * wins and the rest queue again, so N queries waiting cost N² wake-ups. A
 * bulk job fan-out keeps thousands waiting at once (the fleet benchmark's
 * profile of one: Kysely's lock and unlock took 13 % of the server's CPU,
 * with the microtasks and garbage they made on top). This driver hands the
 * connection to the next waiter in line, one wake-up per release, and only
 * then lets Kysely's own mutex see the acquisition, so that mutex is never
 * contended.
 */
import { SqliteDialect, type DatabaseConnection, type Driver, type TransactionSettings } from 'kysely';

export class QueuedDriver implements Driver {
  private held = false;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly inner: Driver) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Handed over by releaseConnection with `held` left true, or taken free here.
    if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held = true;
    try {
      return await this.inner.acquireConnection();
    } catch (error) {
      this.handOver();
      throw error;
    }
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    try {
      await this.inner.releaseConnection(connection);
    } finally {
      this.handOver();
    }
  }

  private handOver(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  savepoint: Driver['savepoint'] = (...args) => this.inner.savepoint!(...args);
  rollbackToSavepoint: Driver['rollbackToSavepoint'] = (...args) => this.inner.rollbackToSavepoint!(...args);
  releaseSavepoint: Driver['releaseSavepoint'] = (...args) => this.inner.releaseSavepoint!(...args);

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/** Kysely's SQLite dialect with the connection handed out in turn (QueuedDriver). */
export class QueuedSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    return new QueuedDriver(super.createDriver());
  }
}
