import type { FastifyReply, FastifyRequest } from 'fastify';
import { dictionary } from '../records.js';
import { buildXmlDocument, type XmlObject } from './xml/build.js';

/**
 * aws-query (IAM, STS): POST form bodies `Action=…&Version=…&Member=…`,
 * replies `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata/>`
 * (aws-wire-protocols.md §6).
 */
export function formParams(request: FastifyRequest): Record<string, string> {
  const text = request.rawBody?.toString('utf8') ?? '';
  const params = dictionary<string>();
  for (const [key, value] of new URLSearchParams(text)) params[key] = value;
  // Some clients send GET with the parameters in the query string.
  for (const [key, value] of Object.entries(request.query as Record<string, string>)) {
    if (typeof value === 'string' && params[key] === undefined) params[key] = value;
  }
  return params;
}

/** `Prefix.member.N` (and `Prefix.member.N.Key`-style) lists. */
export function memberList(params: Record<string, string>, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${prefix}.member.${i}`] !== undefined; i++) out.push(params[`${prefix}.member.${i}`]!);
  return out;
}

export function sendQueryResult(reply: FastifyReply, action: string, result: XmlObject | undefined, requestId: string, xmlns: string): FastifyReply {
  const body: XmlObject = {
    ...(result ? { [`${action}Result`]: result } : {}),
    ResponseMetadata: { RequestId: requestId },
  };
  return reply.code(200).header('content-type', 'text/xml').send(buildXmlDocument(`${action}Response`, body, xmlns));
}
