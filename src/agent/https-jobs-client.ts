/**
 * The Jobs HTTPS data plane, device side: the four operations of the
 * iot-jobs-data-plane model as plain HTTPS requests over mutual TLS with the
 * device certificate (AWS's "HTTP TLS" jobs API on port 8443; Ferry's device
 * listener) — no MQTT, no SigV4. Its answers and refusals look like the MQTT
 * client's (jobs-api.ts), so the job loop and reporter work unchanged.
 */
import { EventEmitter } from 'node:events';
import https from 'node:https';
import { executionOf, JobsRejected, JobsTimeout, type JobsApi, type JobsApiEvents, type UpdateAccepted, type UpdateRequest } from './jobs-api.js';
import type { JobExecution, StatusDetails } from './types.js';

export interface HttpsJobsOptions {
  /** The data plane's `https://host[:port]` (endpoints.json / kit.json `iotJobsData`). */
  endpoint: string;
  thingName: string;
  certPem: string;
  keyPem: string;
  /** Trust for the endpoint. */
  ca: string | string[];
  /** No answer for this long fails the request (JobsTimeout). Default 30 s. */
  timeoutMs?: number;
}

// The model's errors as the MQTT API's codes (aws-wire-protocols.md §1.6), which the loop and reporter act on.
const CODES: Record<string, string> = {
  InvalidRequestException: 'InvalidRequest',
  ResourceNotFoundException: 'ResourceNotFound',
  InvalidStateTransitionException: 'InvalidStateTransition',
  TerminalStateException: 'TerminalStateReached',
  ThrottlingException: 'RequestThrottled',
  ServiceUnavailableException: 'InternalError',
  CertificateValidationException: 'CertificateValidation',
  AccessDeniedException: 'AccessDenied',
};

export class HttpsJobsClient extends EventEmitter<JobsApiEvents> implements JobsApi {
  readonly thingName: string;
  private agent: https.Agent;
  private readonly base: URL;
  private failed = false;

  constructor(private readonly options: HttpsJobsOptions) {
    super();
    this.thingName = options.thingName;
    this.base = new URL(options.endpoint);
    if (this.base.protocol !== 'https:') throw new Error(`the Jobs HTTPS endpoint must be https://host:port, not ${options.endpoint}`);
    this.agent = this.tlsAgent();
  }

  private tlsAgent(): https.Agent {
    const o = this.options;
    return new https.Agent({ cert: o.certPem, key: o.keyPem, ca: o.ca, keepAlive: true, maxSockets: 2 });
  }

  /** A new certificate and key (a rotated kit): later requests present them. */
  renew(credentials: { certPem: string; keyPem: string; ca: string | string[] }): void {
    Object.assign(this.options, credentials);
    const old = this.agent;
    this.agent = this.tlsAgent();
    old.destroy();
  }

  /** True when the last request found no service: no answer, a throttling or a server error. The poller backs off then. */
  get lastRequestFailed(): boolean {
    return this.failed;
  }

  async startNext(req: { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number } = {}): Promise<JobExecution | undefined> {
    // The model's path carries `$next` as a literal.
    const answer = await this.request('PUT', `${this.things()}/jobs/$next`, req);
    return executionOf(answer.execution);
  }

  async describe(jobId: string, req: { executionNumber?: number; includeJobDocument?: boolean } = {}): Promise<JobExecution | undefined> {
    const query = new URLSearchParams({ includeJobDocument: String(req.includeJobDocument ?? true) });
    if (req.executionNumber !== undefined) query.set('executionNumber', String(req.executionNumber));
    const answer = await this.request('GET', `${this.things()}/jobs/${encodeURIComponent(jobId)}?${query}`);
    return executionOf(answer.execution);
  }

  async update(jobId: string, req: UpdateRequest): Promise<UpdateAccepted> {
    const answer = await this.request('POST', `${this.things()}/jobs/${encodeURIComponent(jobId)}`, req);
    const jobDocument = typeof answer.jobDocument === 'string' ? parseOr(answer.jobDocument) : answer.jobDocument;
    return { ...(answer.executionState ? { executionState: answer.executionState as UpdateAccepted['executionState'] } : {}), ...(jobDocument !== undefined ? { jobDocument } : {}) };
  }

  close(): void {
    this.agent.destroy();
  }

  private things(): string {
    return `/things/${encodeURIComponent(this.thingName)}`;
  }

  private request(method: string, path: string, body?: object): Promise<Record<string, unknown>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const what = `${method} ${path.split('?')[0]}`;
    return new Promise((resolve, reject) => {
      const fail = (error: Error, serviceFound: boolean) => {
        this.failed = !serviceFound;
        reject(error);
      };
      const req = https.request(
        {
          protocol: 'https:',
          hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.base.port || 443,
          method,
          path,
          agent: this.agent,
          headers: { accept: 'application/json', ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => fail(new JobsTimeout(`${what} (${e.message})`), false));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const parsed = parseOr(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> | undefined;
            if (status >= 200 && status < 300) {
              this.failed = false;
              resolve(parsed && typeof parsed === 'object' ? parsed : {});
              return;
            }
            const type = String(res.headers['x-amzn-errortype'] ?? parsed?.code ?? parsed?.__type ?? `HTTP ${status}`).split(':')[0]!;
            const code = CODES[type] ?? (status >= 500 ? 'InternalError' : type);
            const state = parsed?.executionState as JobsRejected['executionState'];
            fail(new JobsRejected(code, String(parsed?.message ?? `${what} answered ${status}`), state), status !== 429 && status < 500);
          });
        },
      );
      req.setTimeout(this.options.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer in ${this.options.timeoutMs ?? 30_000} ms`)));
      req.on('error', (e) => fail(new JobsTimeout(`${what} (${e.message})`), false));
      req.end(payload);
    });
  }
}

function parseOr(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}
