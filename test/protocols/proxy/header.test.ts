import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProxyHeader } from '../../../src/protocols/proxy/header.js';
import { v2Header } from '../../helpers/proxy.js';

const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05]);

test('v1: TCP4 and TCP6 name the source; the length covers the CRLF; what follows is left', () => {
  const line = 'PROXY TCP4 203.0.113.7 10.0.0.1 51000 8883\r\n';
  const r = parseProxyHeader(Buffer.concat([Buffer.from(line), hello]));
  assert.deepEqual(r, { kind: 'header', version: 1, length: line.length, source: { address: '203.0.113.7', port: 51000 } });
  const six = parseProxyHeader(Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 4000 443\r\n'));
  assert.equal(six.kind === 'header' && six.source?.address, '2001:db8::7');
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY UNKNOWN\r\n')), { kind: 'header', version: 1, length: 15 });
});

test('v1: partial lines wait, malformed ones are invalid', () => {
  assert.deepEqual(parseProxyHeader(Buffer.from('PRO')), { kind: 'incomplete' });
  assert.deepEqual(parseProxyHeader(Buffer.from('PROXY TCP4 203.0.113.7 10.0')), { kind: 'incomplete' });
  for (const bad of [
    'PROXY TCP4 203.0.113.7 10.0.0.1 51000\r\n',
    'PROXY TCP4 2001:db8::7 10.0.0.1 1 2\r\n',
    'PROXY TCP4 203.0.113.7 10.0.0.1 70000 2\r\n',
    'PROXY TCP4 203.0.113.7 10.0.0.1 01 2\r\n',
    'PROXY UDP4 203.0.113.7 10.0.0.1 1 2\r\n',
    `PROXY TCP4 ${'1'.repeat(120)}\r\n`,
  ]) {
    assert.equal(parseProxyHeader(Buffer.from(bad)).kind, 'invalid', bad);
  }
  assert.equal(parseProxyHeader(Buffer.from(`PROXY ${'x'.repeat(110)}`)).kind, 'invalid', 'no CRLF within 107 bytes');
});

test('v2: PROXY over IPv4 and IPv6, TLVs inside the length skipped, LOCAL without a source', () => {
  const four = v2Header({ address: '198.51.100.9', port: 40000 }, Buffer.from([0x04, 0x00, 0x01, 0x00]));
  const r = parseProxyHeader(Buffer.concat([four, hello]));
  assert.deepEqual(r, { kind: 'header', version: 2, length: four.length, source: { address: '198.51.100.9', port: 40000 } });
  const six = v2Header({ address: '2001:db8::9', port: 5 });
  const r6 = parseProxyHeader(six);
  assert.equal(r6.kind === 'header' && r6.source?.address, '2001:db8::9');
  const local = Buffer.from(four);
  local[12] = 0x20;
  assert.deepEqual(parseProxyHeader(local), { kind: 'header', version: 2, length: four.length });
});

test('v2: partial headers wait; wrong version, command, transport or short bodies are invalid', () => {
  const four = v2Header({ address: '198.51.100.9', port: 40000 });
  assert.deepEqual(parseProxyHeader(four.subarray(0, 5)), { kind: 'incomplete' });
  assert.deepEqual(parseProxyHeader(four.subarray(0, 20)), { kind: 'incomplete' });
  const mutate = (at: number, value: number) => {
    const b = Buffer.from(four);
    b[at] = value;
    return parseProxyHeader(b).kind;
  };
  assert.equal(mutate(12, 0x11), 'invalid', 'version 1 in a v2 header');
  assert.equal(mutate(12, 0x22), 'invalid', 'command 2');
  assert.equal(mutate(13, 0x12), 'invalid', 'DGRAM');
  const short = Buffer.from(four.subarray(0, 16 + 4));
  short.writeUInt16BE(4, 14);
  assert.equal(parseProxyHeader(short).kind, 'invalid');
  const huge = Buffer.from(four);
  huge.writeUInt16BE(60_000, 14);
  assert.equal(parseProxyHeader(huge).kind, 'invalid');
});

test('a connection that does not start with a header is left alone', () => {
  assert.deepEqual(parseProxyHeader(hello), { kind: 'none' });
  assert.deepEqual(parseProxyHeader(Buffer.from('GET / HTTP/1.1\r\n')), { kind: 'none' });
});
