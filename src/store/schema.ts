import type { CoreTables } from './tables/core.js';
import type { ObjectsTables } from './tables/objects.js';
import type { RegistryTables } from './tables/registry.js';
import type { IamTables } from './tables/iam.js';
import type { JobsTables } from './tables/jobs.js';
import type { MqttTables } from './tables/mqtt.js';
import type { ClusterTables } from './tables/cluster.js';
import type { AuditTables } from './tables/audit.js';
import type { HistoryTables } from './tables/history.js';
import type { IamUsersTables } from './tables/iam-users.js';
import type { ConsoleTables } from './tables/console.js';

/**
 * The whole database, one interface per part of the product. Times are
 * integer epoch milliseconds, booleans 0/1 integers and JSON is TEXT, so one
 * query path serves SQLite and PostgreSQL (node-ecosystem.md §4).
 */
export interface Database extends CoreTables, ObjectsTables, RegistryTables, IamTables, JobsTables, MqttTables, ClusterTables, IamUsersTables, AuditTables, ConsoleTables, HistoryTables {}
