import type { FerryMigration } from './types.js';
import { coreMigration } from './001-core.js';
import { objectsMigration } from './002-objects.js';
import { registryMigration } from './003-registry.js';
import { iamMigration } from './004-iam.js';
import { jobsMigration } from './005-jobs.js';
import { mqttMigration } from './006-mqtt.js';
import { clusterMigration } from './007-cluster.js';
import { certificateRotationsMigration } from './008-certificate-rotations.js';
import { rolloutsMigration } from './009-rollouts.js';
import { fleetMigration } from './010-fleet.js';
import { fleetBuildsMigration } from './011-fleet-builds.js';
import { jobTemplatesMigration } from './012-job-templates.js';
import { iamUsersMigration } from './013-iam-users.js';
import { bucketPoliciesStsAuditMigration } from './014-bucket-policies-sts-audit.js';
import { mqttSessionsMigration } from './015-mqtt-sessions.js';
import { consoleSessionsMigration } from './016-console-sessions.js';
import { historyMigration } from './017-history.js';
import { roleAwsManagedPoliciesMigration } from './018-role-aws-managed-policies.js';

/** Every migration, in order. A migration, once released, never changes: add a new one. */
export const migrations: FerryMigration[] = [
  coreMigration,
  objectsMigration,
  registryMigration,
  iamMigration,
  jobsMigration,
  mqttMigration,
  clusterMigration,
  certificateRotationsMigration,
  rolloutsMigration,
  fleetMigration,
  fleetBuildsMigration,
  jobTemplatesMigration,
  iamUsersMigration,
  bucketPoliciesStsAuditMigration,
  mqttSessionsMigration,
  consoleSessionsMigration,
  historyMigration,
  roleAwsManagedPoliciesMigration,
];
