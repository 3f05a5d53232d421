/**
 * The Ferry device agent as a library. `startAgent` runs the whole agent;
 * the pieces (job loop, handlers, downloads, uploads, credentials, kit) are
 * importable on their own. See README "The device agent".
 */
export { startAgent, agentOptionsFromKit, createTools, TRANSPORTS, type AgentOptions, type RunningAgent, type Transport } from './agent.js';
export { defaultOperations, downloadOperation, installOperation, downloadFileOperation, uploadOperation, fetchFiles, type FileSpec } from './handlers/index.js';
export { JobLoop, documentOf, type JobLoopOptions, type JobLoopEvents } from './job-loop.js';
export { JobsClient, JobsRejected, JobsTimeout, type UpdateRequest } from './jobs-client.js';
export type { JobsApi, JobsApiEvents, UpdateAccepted } from './jobs-api.js';
export { HttpsJobsClient, type HttpsJobsOptions } from './https-jobs-client.js';
export { FallbackJobs } from './fallback-jobs.js';
export { Poller, pollIntervalMs, MIN_POLL_INTERVAL_MS, DEFAULT_POLL_INTERVAL_MS, type PollerOptions, type Timer } from './poller.js';
export { Connection, type ConnectionOptions } from './connection.js';
export { ExecutionReporter, progressDue, type ProgressRate, type ReporterOptions } from './reporter.js';
export { Downloader, type DownloadRequest, type DownloadSettings, type DownloadedFile, type FetchedFile, type DownloadProgress } from './download.js';
export { Uploader, type UploadRequest, type UploadSettings, type UploadedFile } from './upload.js';
export { CertificateCredentials, type CredentialsProviderOptions, type TemporaryCredentials } from './credentials.js';
export { Hooks, parseHookFlag, type HookSpec } from './hooks.js';
export { readKit, writeKit, checkKitConfig, mqttUrlOf, KIT_CONFIG_FILE, KIT_DEFAULT_FILES, type Kit, type KitConfig } from './kit.js';
export { resolveInside, STATE_FOLDER } from './paths.js';
export { checksumOf, hashAlgorithm, type Checksum, type HashAlgorithm } from './checksum.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { JobError, failed, rejected, JobCanceled, AgentStopping, cleanDetails, outcomeDetails } from './outcome.js';
export type { JobContext, JobDocument, JobExecution, JobOutcome, Operation, StatusDetails, AgentTools } from './types.js';
