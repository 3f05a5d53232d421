export * from './events.js';
export { History, DEFAULT_HISTORY_RETENTION_MS, type HistoryOptions } from './store.js';
export { signatureDigest, signatureOf } from './links.js';
