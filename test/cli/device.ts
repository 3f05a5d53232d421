import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';

/** Connects to the broker as the kit's thing, with the kit's files only. */
export async function connectWithKit(kitDir: string, clientId?: string): Promise<MqttClient> {
  const kit = JSON.parse(readFileSync(join(kitDir, 'kit.json'), 'utf8'));
  const file = (name: string) => readFileSync(join(kitDir, name), 'utf8');
  const client = mqtt.connect(kit.endpoints.mqtt, {
    clientId: clientId ?? kit.clientId,
    cert: file(kit.files.certificate),
    key: file(kit.files.privateKey),
    ca: file(kit.files.rootCa),
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
  return client;
}
