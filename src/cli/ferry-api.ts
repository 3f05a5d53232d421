import https from 'node:https';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import type { Connection } from './client-config.js';

/**
 * One of Ferry's own operations (src/api/ferry: no AWS SDK has them) on the
 * api endpoint, JSON in and out, signed as the IoT control plane is. A
 * refusal is thrown as an Error named by its error type, as the SDKs do.
 */
export async function ferryRequest<T>(conn: Connection, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const url = new URL(path, conn.info.endpoints.iot);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { host: url.host, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) };
  const signer = new SignatureV4({ service: 'iot', region: conn.region, credentials: conn.info.credentials, sha256: Sha256 });
  const signed = await signer.sign(
    new HttpRequest({ method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname, query: Object.fromEntries(url.searchParams), headers, ...(payload !== undefined ? { body: payload } : {}) }),
  );
  return new Promise((resolve, reject) => {
    const req = https.request({ host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers: signed.headers, agent: conn.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text || '{}');
        } catch {
          json = {};
        }
        if (res.statusCode !== 200) {
          const error = new Error((json as { message?: string }).message ?? `status ${res.statusCode}`);
          error.name = String(res.headers['x-amzn-errortype'] ?? 'Error').split(':')[0]!;
          return reject(error);
        }
        resolve(json as T);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}
