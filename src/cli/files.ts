import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
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
  try {
    JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path} is not JSON: ${(error as Error).message}`);
  }
  return text;
}
