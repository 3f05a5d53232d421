import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseJson } from '../json-syntax.js';
import { UsageError, type CliIo } from './io.js';

/** Reads a file the user named (relative to the run's cwd); a missing file is a usage error. */
export function readUserFile(io: CliIo, path: string): Buffer {
  try {
    return readFileSync(resolve(io.cwd, path));
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A JSON document from a file, checked to parse (the server checks the rest). */
export function readJsonFile(io: CliIo, path: string): string {
  const text = readUserFile(io, path).toString('utf8');
  checkJson(text, path);
  return text;
}

/** Refuses text that is not JSON, naming what it is (a file name, "the inline document") and the line and column. */
export function checkJson(text: string, what: string): unknown {
  try {
    return parseJson(text);
  } catch (error) {
    throw new UsageError(`${what} is not JSON: ${(error as Error).message}`);
  }
}
