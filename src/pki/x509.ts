/**
 * The one door to @peculiar/x509 (node-ecosystem.md §3). The library resolves
 * its services through tsyringe, which needs the Reflect metadata polyfill
 * loaded first, and it signs through WebCrypto, which we take from node:crypto.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export { x509 };
