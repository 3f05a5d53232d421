import type { FerryMigration } from './types.js';

/**
 * Job templates (issue 19): custom templates (their document and checked
 * configurations as JSON, see ../tables/jobs.ts), and on each job the template
 * it was made from and the document parameters it was given.
 */
export const jobTemplatesMigration: FerryMigration = {
  name: '012-job-templates',
  async up(db) {
    await db.schema
      .createTable('job_templates')
      .addColumn('template_id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('template_arn', 'text', (c) => c.notNull())
      .addColumn('description', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('document_source', 'text')
      .addColumn('presign_role_arn', 'text')
      .addColumn('presign_expires_sec', 'integer')
      .addColumn('in_progress_timeout_minutes', 'integer')
      .addColumn('rollout_config', 'text')
      .addColumn('abort_config', 'text')
      .addColumn('retry_config', 'text')
      .addColumn('maintenance_windows', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('jobs').addColumn('job_template_arn', 'text').execute();
    await db.schema.alterTable('jobs').addColumn('document_parameters', 'text').execute();
  },
};
