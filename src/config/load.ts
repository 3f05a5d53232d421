import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError, validateConfig, type ConfigValues } from './validate.js';
import { parseJson } from '../json-syntax.js';

/**
 * Reads a configuration file — TOML (`.toml`) or JSON (`.json`) — and checks
 * it against the schema. Errors name the file, the key and what it accepts.
 */
export function readConfigFile(path: string): ConfigValues {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: `cannot be read: ${(error as Error).message}` }]);
  }
  return validateConfig(parseConfigText(text, file), file);
}

export function parseConfigText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    if (ext === '.json') return parseJson(text);
    if (ext === '.toml') return parseToml(text);
  } catch (error) {
    throw new ConfigError(file, [{ path: '(syntax)', message: (error as Error).message.split('\n')[0]! }]);
  }
  throw new ConfigError(file, [{ path: '(file)', message: `unknown format "${ext || '(no extension)'}": name the file .toml or .json` }]);
}
