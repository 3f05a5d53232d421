import https from 'node:https';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request with exact control of method, path, headers and body (no SDK corrections). */
export function rawRequest(opts: {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  ca: string;
  cert?: string;
  key?: string;
}): Promise<RawResponse> {
  const url = new URL(opts.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        // Keep the path exactly as given (URL would normalise encodings).
        path: opts.url.slice(opts.url.indexOf('/', url.protocol.length + 2)),
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        ca: opts.ca,
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
