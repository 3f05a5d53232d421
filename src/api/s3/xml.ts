import type { FastifyReply, FastifyRequest } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { invalidInput } from '../../errors.js';
import { collectBody } from '../../objects/receive.js';
import { buildXmlDocument, type XmlObject } from '../../protocols/xml/build.js';
import { incomingBody } from './body.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The largest XML body accepted (DeleteObjects: 1000 keys of up to 1024 bytes). */
const MAX_XML_BYTES = 4 * 1024 * 1024;

export function sendXml(reply: FastifyReply, root: string, body: XmlObject, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/xml').send(buildXmlDocument(root, body, S3_XMLNS));
}

const malformedXml = () => invalidInput('The XML you provided was not well-formed or did not validate against our published schema', 'malformed-xml');

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  // Values stay text ("0123" is a key, not a number) and entities are decoded below, never expanded from a DTD.
  parseTagValue: false,
  processEntities: false,
  trimValues: false,
  isArray: (name) => name === 'Part' || name === 'Object',
});

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined XML entities and character references. */
export function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

export type XmlNode = Record<string, unknown>;

/** Parses a small XML document; DTDs are refused outright. */
export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformedXml();
  try {
    return parser.parse(text, true) as XmlNode;
  } catch {
    throw malformedXml();
  }
}

/** Reads, checks (digests) and parses the request's XML body; an empty body is `{}`. */
export async function readXmlBody(request: FastifyRequest, reply: FastifyReply, opts: { checksumHeaders?: boolean } = {}): Promise<XmlNode> {
  const bytes = await collectBody(incomingBody(request, reply, opts), MAX_XML_BYTES);
  const text = bytes.toString('utf8').trim();
  return text === '' ? {} : parseXml(text);
}

/** A child element's text, decoded; undefined when absent. */
export function textOf(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return decodeXmlText(value);
  if (typeof value === 'object' && typeof (value as XmlNode)['#text'] === 'string') return decodeXmlText((value as XmlNode)['#text'] as string);
  if (typeof value === 'object' && Object.keys(value as object).length === 0) return '';
  return undefined;
}

export function childOf(node: unknown, name: string): XmlNode | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[name];
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

export function childrenOf(node: unknown, name: string): XmlNode[] {
  if (!node || typeof node !== 'object') return [];
  const value = (node as XmlNode)[name];
  return Array.isArray(value) ? (value.filter((v) => v && typeof v === 'object') as XmlNode[]) : [];
}

export { malformedXml };
