/**
 * A small XML serializer for the fixed-shape replies of S3 and IAM. Values:
 * string | number | boolean | Date | nested object | array (an array repeats
 * its element name, which is how both S3's flattened lists and IAM's
 * `<member>` lists are written). `undefined` and `null` are left out.
 */
export type XmlValue = string | number | boolean | Date | XmlObject | XmlValue[] | undefined | null;
export interface XmlObject {
  [name: string]: XmlValue;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

function scalar(value: string | number | boolean | Date): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => element(name, v)).join('');
  if (typeof value === 'object' && !(value instanceof Date)) return `<${name}>${children(value)}</${name}>`;
  return `<${name}>${scalar(value)}</${name}>`;
}

function children(obj: XmlObject): string {
  return Object.entries(obj)
    .map(([k, v]) => element(k, v))
    .join('');
}

/** A whole document: `<?xml …?><root xmlns="…">…</root>`. */
export function buildXmlDocument(root: string, body: XmlObject, xmlns?: string): string {
  const attr = xmlns ? ` xmlns="${escapeXml(xmlns)}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attr}>${children(body)}</${root}>`;
}
