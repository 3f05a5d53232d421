/**
 * IPv4/IPv6 addresses and CIDR blocks for IpAddress/NotIpAddress. A bare
 * address in a policy means a single host (/32 or /128). IPv4-mapped IPv6
 * addresses (`::ffff:1.2.3.4`, what Node reports on dual-stack sockets) are
 * compared as IPv4.
 */
export interface Cidr {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const raw = parseRawIp(addr.trim());
  if (raw === undefined) return undefined;
  const max = raw.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
    prefix = Number(p);
  }
  if (raw.length === 16 && isMapped(raw) && prefix >= 96) return { bytes: raw.slice(12), prefix: prefix - 96 };
  return { bytes: raw, prefix };
}

/** An address (4 or 16 bytes); undefined when it does not parse. */
export function parseIp(text: string): Uint8Array | undefined {
  const raw = parseRawIp(text.trim());
  return raw !== undefined && raw.length === 16 && isMapped(raw) ? raw.slice(12) : raw;
}

export function cidrContains(c: Cidr, ip: Uint8Array): boolean {
  if (c.bytes.length !== ip.length) return false;
  let bits = c.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((c.bytes[i] as number) & mask) !== ((ip[i] as number) & mask)) return false;
  }
  return true;
}

function parseRawIp(s: string): Uint8Array | undefined {
  return s.includes(':') ? parseIpv6(s) : parseIpv4(s);
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    out[i] = Number(p);
  }
  return out;
}

function parseIpv6(input: string): Uint8Array | undefined {
  const s = input.replace(/%.*$/, ''); // zone id (fe80::1%eth0)
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** 16-bit groups of one side of `::`; a trailing dotted IPv4 counts as two. */
function groups(side: string): number[] | undefined {
  if (side === '') return [];
  const out: number[] = [];
  const parts = side.split(':');
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (i === parts.length - 1 && p.includes('.')) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) return undefined;
      out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

function isMapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}
