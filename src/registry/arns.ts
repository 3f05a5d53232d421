/**
 * IoT ARNs in the `aws` partition (DESIGN.md "ARNs"; aws-wire-protocols.md §3.3),
 * so policies written for AWS carry over.
 */
export type IotResourceType = 'thing' | 'thinggroup' | 'thingtype' | 'cert' | 'cacert' | 'policy' | 'rolealias' | 'job' | 'jobtemplate';

export interface ParsedIotArn {
  region: string;
  accountId: string;
  type: string;
  /** Everything after `type/`. */
  name: string;
}

const IOT_ARN = /^arn:aws:iot:([^:]*):([^:]*):([a-z]+)\/(.+)$/;

export function parseIotArn(arn: string): ParsedIotArn | undefined {
  const m = IOT_ARN.exec(arn);
  if (!m) return undefined;
  return { region: m[1]!, accountId: m[2]!, type: m[3]!, name: m[4]! };
}

/** Builds this server's ARNs. */
export class Arns {
  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  of(type: IotResourceType, name: string): string {
    return `arn:aws:iot:${this.region}:${this.accountId}:${type}/${name}`;
  }
  thing = (name: string): string => this.of('thing', name);
  thingGroup = (name: string): string => this.of('thinggroup', name);
  thingType = (name: string): string => this.of('thingtype', name);
  cert = (id: string): string => this.of('cert', id);
  caCert = (id: string): string => this.of('cacert', id);
  policy = (name: string): string => this.of('policy', name);

  /** The name in one of our ARNs of `type`, or undefined when the ARN is another kind, region or account. */
  nameIn(arn: string, type: IotResourceType): string | undefined {
    const parsed = parseIotArn(arn);
    if (!parsed || parsed.type !== type || parsed.region !== this.region || parsed.accountId !== this.accountId) return undefined;
    return parsed.name;
  }
}
