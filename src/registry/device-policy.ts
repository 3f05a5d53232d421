/**
 * The story's device policy, shared by `ferry policy create --device` and the console's
 * connect wizard: one document for every device, scoped by ${iot:Connection.Thing.ThingName}.
 */

export interface DevicePolicyOptions {
  /** Adds iot:AssumeRoleWithCertificate on this role alias. */
  roleAlias?: string | undefined;
  /** Clients may connect with ids starting with this; default: exactly the thing's name. */
  clientPrefix?: string | undefined;
}

/** The Jobs HTTPS data plane's operations, each an IoT policy action `iot:NAME` on the thing's ARN. */
export const JOBS_HTTPS_ACTIONS = ['GetPendingJobExecutions', 'StartNextPendingJobExecution', 'DescribeJobExecution', 'UpdateJobExecution'] as const;

/**
 * DESIGN.md's story device policy: a device may use its own Jobs topics and
 * nothing else, and (with a role alias) trade its certificate for the role's
 * credentials.
 */
export function devicePolicy(region: string, account: string, o: DevicePolicyOptions = {}): string {
  const arn = (resource: string) => `arn:aws:iot:${region}:${account}:${resource}`;
  const own = '$aws/things/${iot:Connection.Thing.ThingName}/jobs/*';
  const statements = [
    ...(o.roleAlias ? [{ Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn(`rolealias/${o.roleAlias}`) }] : []),
    { Effect: 'Allow', Action: 'iot:Connect', Resource: arn(o.clientPrefix ? `client/${o.clientPrefix}*` : 'client/${iot:Connection.Thing.ThingName}') },
    { Effect: 'Allow', Action: 'iot:Publish', Resource: arn(`topic/${own}`) },
    { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn(`topicfilter/${own}`) },
    { Effect: 'Allow', Action: 'iot:Receive', Resource: arn(`topic/${own}`) },
    // The Jobs HTTPS data plane (`ferry agent --transport https`): thing variables do not resolve off MQTT,
    // so the thing is the certificate's common name, which `ferry thing create` sets to the thing's name.
    { Effect: 'Allow', Action: JOBS_HTTPS_ACTIONS.map((a) => `iot:${a}`), Resource: arn('thing/${iot:Certificate.Subject.CommonName}') },
  ];
  return JSON.stringify({ Version: '2012-10-17', Statement: statements }, null, 2);
}
