/** The operations the agent knows out of the box. Put your own first to override one. */
import type { Operation } from '../types.js';
import { downloadOperation } from './download.js';
import { downloadFileOperation } from './download-file.js';
import { installOperation } from './install.js';
import { uploadOperation } from './upload.js';

export { downloadOperation, downloadFileOperation, installOperation, uploadOperation };
export { fetchFiles, type FileSpec, type UrlAgain } from './files.js';

export const defaultOperations = (): Operation[] => [downloadOperation, installOperation, downloadFileOperation, uploadOperation];
