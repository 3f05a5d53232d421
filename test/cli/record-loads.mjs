// Preloaded with --import: records the URL of every module the process imports, one a line,
// into the file FERRY_TEST_LOADS names (the hooks run on their own thread; see record-loads-hooks.mjs).
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: { file: process.env.FERRY_TEST_LOADS } });
