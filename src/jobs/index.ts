/** The jobs engine: its service, records and announcements. */
export { JobsService, createJobsService, type JobsServiceDeps, type Announced } from './service.js';
export type { Job, JobSummary, PresignedUrlConfig, DeliveredExecution } from './job.js';
export type { JobsAnnouncer } from './announcer.js';
export type { JobsAnnouncement, ExecutionEventOperation, JobEventOperation } from './changes.js';
export type { PendingChange } from './pending.js';
export type { PendingLists, DeviceOutcome, DeviceUpdate } from './device.js';
export type { CreateJobInput } from './create.js';
export { presignedUrlConfigIn } from './presign-check.js';
export * from './types.js';
export { nextWindowStarts } from './windows.js';
export { scheduleTimeMs } from './configs.js';
export type { JobConfigs, RolloutConfig, AbortCriteria, RetryCriteria, SchedulingConfig, MaintenanceWindow } from './configs.js';
export type { UpdateJobInput } from './update.js';
export type { CreateJobTemplateInput, JobTemplate, JobTemplateSummary } from './templates.js';
export { documentBeforeSubstitution, managedTemplateNamed } from './templates.js';
export { MANAGED_TEMPLATES, managedTemplateArn, type ManagedTemplate, type DocumentParameter } from './managed-templates.js';
export { documentParametersIn } from './parameters.js';
