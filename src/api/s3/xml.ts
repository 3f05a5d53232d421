import type { FastifyReply, FastifyRequest } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { FerryError, invalidInput, isFerryError } from '../../errors.js';
import { collectBody } from '../../objects/receive.js';
import { buildXmlDocument, type XmlObject } from '../../protocols/xml/build.js';
import { dictionary } from '../../records.js';
import { incomingBody } from './body.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The largest XML body accepted (DeleteObjects: 1000 keys of up to 1024 bytes). */
const MAX_XML_BYTES = 4 * 1024 * 1024;

export function sendXml(reply: FastifyReply, root: string, body: XmlObject, status = 200): FastifyReply {
  return reply.code(status).header('content-type', 'application/xml').send(buildXmlDocument(root, body, S3_XMLNS));
}

/** S3's answer to an XML body over its limit (a DeleteObjects body of more than 4 MiB, say). */
const messageTooLong = () => new FerryError('TooLarge', 'Your request was too big.', { reason: 'max-message-length' });

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

// Looked up by the document's text: no prototype, so `&constructor;` is no entity.
const ENTITIES = dictionary({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" });

/** XML 1.0 §2.2 Char: tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. */
const isXmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

// A reference at the start of the match (sticky): `&#x…;`, `&#…;` or a name. Linear: the classes are disjoint from ';'.
const REFERENCE = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9]*));/y;

/**
 * The character a reference at `at` stands for, and its length; undefined unless it is one of the five
 * predefined entities or a character reference to an XML Char (XML 1.0 §4.1, WFC: Legal Character;
 * a DTD, which could define others, is refused outright).
 */
function readReference(text: string, at: number): { char: string; length: number } | undefined {
  REFERENCE.lastIndex = at;
  const m = REFERENCE.exec(text);
  if (m === null) return undefined;
  if (m[3] !== undefined) {
    const char = ENTITIES[m[3]];
    return char === undefined ? undefined : { char, length: m[0].length };
  }
  // Digits beyond 0x10FFFF's length are out of range whatever they say (and parse to Infinity or worse).
  const digits = (m[1] ?? m[2]) as string;
  const cp = digits.length > 8 ? Infinity : parseInt(digits, m[1] !== undefined ? 16 : 10);
  return isXmlChar(cp) ? { char: String.fromCodePoint(cp), length: m[0].length } : undefined;
}

/** Skips a comment, CDATA section or processing instruction at `at` (their text holds no references), checking its characters. */
function skipMarkup(text: string, at: number): number {
  for (const [open, close] of [['<!--', '-->'], ['<![CDATA[', ']]>'], ['<?', '?>']] as const) {
    if (!text.startsWith(open, at)) continue;
    const end = text.indexOf(close, at + open.length);
    if (end < 0) throw malformedXml();
    for (let i = at; i < end; i++) checkChar(text, i);
    return end + close.length;
  }
  return at + 1;
}

/** Throws unless the code unit at `i` is (part of) an XML Char; a surrogate must be half of a pair. */
function checkChar(text: string, i: number): void {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return;
  } else if (c >= 0xdc00 && c <= 0xdfff) {
    const high = text.charCodeAt(i - 1);
    if (high >= 0xd800 && high <= 0xdbff) return;
  }
  if (!isXmlChar(c) || (c >= 0xd800 && c <= 0xdfff)) throw malformedXml();
}

/**
 * What a strict XML parser (S3's) refuses and fast-xml-parser lets through: characters XML 1.0 does not
 * allow (C0 controls but tab, LF and CR; U+FFFE, U+FFFF; lone surrogates), a bare `&`, an entity other
 * than the five predefined, a character reference to anything but an XML Char (issue 24: `&#x110000;`
 * was a 500). The whole document is checked, not just the elements an operation reads.
 */
export function checkXmlCharacters(text: string): void {
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x26) {
      const ref = readReference(text, i);
      if (ref === undefined) throw malformedXml();
      i += ref.length;
    } else if (c === 0x3c) {
      i = skipMarkup(text, i);
    } else {
      checkChar(text, i);
      i++;
    }
  }
}

/** The five predefined XML entities and character references, in a document checkXmlCharacters passed. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', from)) {
    const ref = readReference(text, at);
    if (ref === undefined) throw malformedXml();
    out += text.slice(from, at) + ref.char;
    from = at + ref.length;
  }
  return out + text.slice(from);
}

export type XmlNode = Record<string, unknown>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Parses a small XML document; DTDs are refused outright, and so is anything checkXmlCharacters refuses. */
export function parseXml(text: string): XmlNode {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw malformedXml();
  checkXmlCharacters(text);
  try {
    return parser.parse(text, true) as XmlNode;
  } catch {
    throw malformedXml();
  }
}

/** Reads, checks (digests) and parses the request's XML body; an empty body is `{}`. */
export async function readXmlBody(request: FastifyRequest, reply: FastifyReply, opts: { checksumHeaders?: boolean } = {}): Promise<XmlNode> {
  const body = incomingBody(request, reply, opts);
  if (body.length !== undefined && body.length > MAX_XML_BYTES) throw messageTooLong();
  const bytes = await collectBody(body, MAX_XML_BYTES).catch((error: unknown) => {
    throw isFerryError(error) && error.kind === 'TooLarge' ? messageTooLong() : error;
  });
  let text: string;
  try {
    text = UTF8.decode(bytes).trim();
  } catch {
    throw malformedXml(); // not UTF-8
  }
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
