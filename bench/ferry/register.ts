/**
 * Registers the fleet the way an operator's provisioning script would, with
 * the real IoT client: for each device, CreateThing, CreateCertificateFromCsr
 * (the key stays on the device; EC because 10,000 RSA key generations would
 * take minutes), AttachPolicy, AttachThingPrincipal, AddThingToThingGroup.
 */
import {
  AddThingToThingGroupCommand,
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateThingCommand,
} from '@aws-sdk/client-iot';
import { eachLimited } from '../stats.js';
import type { Clients } from './clients.js';
import type { BenchNames } from './setup.js';

export const CALLS_PER_DEVICE = 5;

/** Returns each device's certificate PEM, in the order of `csrs`. */
export async function registerFleet(
  c: Clients,
  names: BenchNames,
  devices: Array<{ thingName: string; csr: string }>,
  opts: { concurrency: number; progress?: (done: number) => void },
): Promise<string[]> {
  const certificates: string[] = new Array<string>(devices.length);
  let done = 0;
  await eachLimited(devices, opts.concurrency, async ({ thingName, csr }, i) => {
    await c.iot.send(new CreateThingCommand({ thingName }));
    const cert = await c.iot.send(new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }));
    await c.iot.send(new AttachPolicyCommand({ policyName: names.devicePolicy, target: cert.certificateArn! }));
    await c.iot.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn! }));
    await c.iot.send(new AddThingToThingGroupCommand({ thingGroupName: names.group, thingName }));
    certificates[i] = cert.certificatePem!;
    done += 1;
    opts.progress?.(done);
  });
  return certificates;
}
