/** The real AWS SDK clients, pointed at Ferry (or at moto_server for the control-plane comparison). */
import https from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { IoTClient } from '@aws-sdk/client-iot';
import { S3Client } from '@aws-sdk/client-s3';
import { IAMClient } from '@aws-sdk/client-iam';
import type { FerryTarget } from './server.js';

export interface Clients {
  iot: IoTClient;
  s3: S3Client;
  iam: IAMClient;
  close(): void;
}

/** One keep-alive agent trusting `ca`, with room for the bench's concurrent calls. */
export function httpsAgent(ca: string, maxSockets = 64): https.Agent {
  return new https.Agent({ ca, keepAlive: true, maxSockets });
}

export function iotClient(opts: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; agent: https.Agent }): IoTClient {
  return new IoTClient({
    endpoint: opts.endpoint,
    region: opts.region,
    // A copy: the SDK annotates the credentials object it is given.
    credentials: { ...opts.credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: opts.agent }),
    maxAttempts: 1,
  });
}

export function ferryClients(target: FerryTarget): Clients {
  const agent = httpsAgent(target.ca);
  const common = () => ({
    region: target.endpoints.region,
    credentials: { ...target.credentials },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
    maxAttempts: 1,
  });
  const iot = iotClient({ endpoint: target.endpoints.endpoints.iot, region: target.endpoints.region, credentials: target.credentials, agent });
  const s3 = new S3Client({ ...common(), endpoint: target.endpoints.endpoints.s3, forcePathStyle: true });
  const iam = new IAMClient({ ...common(), region: 'us-east-1', endpoint: target.endpoints.endpoints.iam });
  return {
    iot,
    s3,
    iam,
    close() {
      iot.destroy();
      s3.destroy();
      iam.destroy();
      agent.destroy();
    },
  };
}
