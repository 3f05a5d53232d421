import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { readConfigFile } from '../../src/config/load.js';
import { optionsFromConfig } from '../../src/config/options.js';
import { defaultsAsToml } from '../../src/config/defaults.js';
import { ConfigError, validateConfig } from '../../src/config/validate.js';
import { serverOptionsFrom } from '../../src/cli/server-command.js';
import { DEFAULT_OPTIONS, withDefaults } from '../../src/server/config.js';
import { tempDir } from '../helpers/temp.js';

const run = promisify(execFile);

function problemsOf(parsed: unknown): string[] {
  try {
    validateConfig(parsed, 'test.toml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

test('every problem names its key and what the key accepts; a near miss is named', () => {
  const problems = problemsOf(
    parseToml(`
region = "mars"
[listen]
apiport = 1
mqttPort = 70000
[cluster]
heartbeatSeconds = 0
redisUrl = "http://localhost"
[network]
trustedProxies = "10.0.0.1"
[bogus]
x = 1
`),
  );
  assert.deepEqual(problems, [
    'region: must be an AWS region name such as us-east-1 (got "mars")',
    'listen.apiport: unknown setting (did you mean listen.apiPort?); known here: host, apiPort, devicePort, s3Port, mqttPort',
    'listen.mqttPort: must be an integer from 0 to 65535 (got 70000)',
    'cluster.heartbeatSeconds: must be an integer from 1 to 60 (got 0)',
    'cluster.redisUrl: must be redis://… or rediss://… (got "http://localhost")',
    'network.trustedProxies: must be a list of strings (got "10.0.0.1")',
    'bogus: unknown setting; known here: dataDir, region, listen, advertise, database, cluster, network, tls, metrics, s3, mqtt, audit, history, jobs',
  ]);
  assert.deepEqual(problemsOf({ listen: 5 }), ['listen: must be a section (a [listen] table) holding: host, apiPort, devicePort, s3Port, mqttPort']);
  // Beside the refusals, a valid file passes.
  assert.deepEqual(problemsOf({ region: 'eu-west-1', listen: { apiPort: 0 }, cluster: { heartbeatSeconds: 2 } }), []);
});

test('a file sets server options; flags override it; the rest are the documented defaults', () => {
  const dir = tempDir();
  try {
    const file = join(dir, 'ferry.toml');
    writeFileSync(
      file,
      `dataDir = "${dir}/data"
[listen]
host = "127.0.0.1"
apiPort = 1443
[advertise]
publicHosts = ["iot.example.com"]
mqttPort = 443
[database]
url = "postgres://postgres@127.0.0.1:5432/test"
[cluster]
redisUrl = "redis://127.0.0.1:6379"
heartbeatSeconds = 2
[network]
trustedProxies = ["10.0.0.0/8"]
`,
    );
    const fromFile = optionsFromConfig(readConfigFile(file));
    assert.equal(fromFile.apiPort, 1443);
    assert.deepEqual(fromFile.advertisedPorts, { api: 0, device: 0, s3: 0, mqtt: 443 });
    assert.equal(fromFile.cluster?.heartbeatMs, 2000);
    assert.equal(fromFile.cluster?.nodeTimeoutMs, 15_000);
    const options = withDefaults(serverOptionsFrom({ config: file, apiPort: 0, host: '127.0.0.2' }));
    assert.equal(options.apiPort, 0, 'the flag wins');
    assert.equal(options.host, '127.0.0.2', 'the flag wins');
    assert.equal(options.mqttPort, DEFAULT_OPTIONS.mqttPort, 'unset: the default');
    assert.equal(options.redisUrl, 'redis://127.0.0.1:6379');
    assert.deepEqual(options.trustedProxies, ['10.0.0.0/8']);
    assert.deepEqual(options.publicHosts, ['iot.example.com']);
    // JSON works the same way.
    const json = join(dir, 'ferry.json');
    writeFileSync(json, JSON.stringify({ listen: { mqttPort: 1884 } }));
    assert.equal(optionsFromConfig(readConfigFile(json)).mqttPort, 1884);
    // A syntax error and an unknown format name the file.
    writeFileSync(join(dir, 'broken.toml'), '[listen\n');
    assert.throws(() => readConfigFile(join(dir, 'broken.toml')), (e: Error) => e instanceof ConfigError && /broken\.toml/.test(e.message) && /\(syntax\)/.test(e.message));
    writeFileSync(join(dir, 'broken.json'), '{\n  "listen": { "mqttPort": 1884, }\n}\n');
    assert.throws(() => readConfigFile(join(dir, 'broken.json')), (e: Error) => e instanceof ConfigError && /broken\.json/.test(e.message) && /line 2, column 33: expected a double-quoted property name/.test(e.message));
    writeFileSync(join(dir, 'ferry.yaml'), 'a: 1');
    assert.throws(() => readConfigFile(join(dir, 'ferry.yaml')), /name the file \.toml or \.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the printed defaults are a valid file that gives the default options', () => {
  const values = validateConfig(parseToml(defaultsAsToml()), 'defaults.toml');
  assert.ok(values.size > 15, `${values.size} settings`);
  assert.deepEqual(withDefaults(optionsFromConfig(values)), withDefaults({}));
});

test('ferry config check: exit 2 with the problems (the valid case is checked in process above)', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'bad.toml'), '[cluster]\nleaseSeconds = 1\n');
    const cli = (file: string) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'config', 'check', join(dir, file)]);
    await assert.rejects(cli('bad.toml'), (e: { code: number; stderr: string }) => e.code === 2 && /cluster\.leaseSeconds: must be an integer from 5 to 3600 \(got 1\)/.test(e.stderr));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('[mqtt]: the broker\'s limits and session expiry, AWS\'s by default; the expiry is at most seven days', () => {
  const values = validateConfig(parseToml('[mqtt]\npublishesPerSecond = 10\nsessionExpirySeconds = 86400\nkeepAliveMaxSeconds = 600\n'), 'mqtt.toml');
  const options = withDefaults(optionsFromConfig(values));
  assert.equal(options.mqtt.publishesPerSecond, 10);
  assert.equal(options.mqtt.sessionExpirySeconds, 86_400);
  assert.equal(options.mqtt.keepAliveCeilingSeconds, 600);
  assert.equal(options.mqtt.subscriptionsPerConnection, 50, 'unset: AWS\'s');
  assert.deepEqual(withDefaults({}).mqtt, { maxPayloadBytes: 131_072, maxTopicBytes: 256, keepAliveCeilingSeconds: 1200, connectsPerSecondPerClientId: 1, publishesPerSecond: 100, inboundBytesPerSecond: 524_288, subscriptionsPerConnection: 50, filtersPerSubscribe: 8, sessionExpirySeconds: 3600 });
  assert.deepEqual(problemsOf(parseToml('[mqtt]\nsessionExpirySeconds = 604801\n')), ['mqtt.sessionExpirySeconds: must be an integer from 60 to 604800 (got 604801)']);
});
