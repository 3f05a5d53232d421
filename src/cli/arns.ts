import { UsageError } from './io.js';

/** ARNs in the `aws` partition, as DESIGN.md's server contract spells them. */
export const iotArn = (region: string, account: string, resource: string): string => `arn:aws:iot:${region}:${account}:${resource}`;
export const roleArn = (account: string, name: string): string => `arn:aws:iam::${account}:role/${name}`;
export const iamPolicyArn = (account: string, name: string): string => `arn:aws:iam::${account}:policy/${name}`;

/** A role given by name or ARN → its ARN. */
export function roleArnOf(account: string, nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? nameOrArn : roleArn(account, nameOrArn);
}

/** The last path segment of an ARN (`…:thing/miso_1` → `miso_1`). */
export const arnName = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/**
 * A job target as an operator types it: a thing name, `thing:NAME`,
 * `thing-group:NAME` (`group:` and `thinggroup:` are aliases), or a full ARN.
 */
export function targetArn(region: string, account: string, target: string): string {
  if (target.startsWith('arn:')) return target;
  const group = /^(?:thing-group|thinggroup|group):(.+)$/.exec(target);
  if (group) return iotArn(region, account, `thinggroup/${group[1]}`);
  const name = target.replace(/^thing:/, '');
  if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(name)) throw new UsageError(`target ${JSON.stringify(target)} is not a thing name, thing-group:NAME or an ARN`);
  return iotArn(region, account, `thing/${name}`);
}

/** `s3://bucket/key` → its parts; undefined when the text is not an s3 URL. */
export function parseS3Url(text: string): { bucket: string; key: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(text);
  if (!m) return undefined;
  return { bucket: m[1]!, key: m[2]! };
}

/** The AWS URL form of an object that documentSource and presigned-URL placeholders take (aws-wire-protocols.md §5). */
export const s3ObjectUrl = (bucket: string, key: string): string => `https://s3.amazonaws.com/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
