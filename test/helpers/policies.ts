/** Policy documents the tests of several areas share. */

/** DESIGN.md's story device policy, for region R and account A. */
export function storyPolicy(region: string, account: string): string {
  const arn = (rest: string) => `arn:aws:iot:${region}:${account}:${rest}`;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'iot:AssumeRoleWithCertificate', Resource: arn('rolealias/miso-role-alias') },
      { Effect: 'Allow', Action: 'iot:Connect', Resource: arn('client/miso*') },
      { Effect: 'Allow', Action: 'iot:Publish', Resource: arn('topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
      { Effect: 'Allow', Action: 'iot:Subscribe', Resource: arn('topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
      { Effect: 'Allow', Action: 'iot:Receive', Resource: arn('topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*') },
    ],
  });
}

/** An IAM trust policy letting `service` assume the role. */
export const trustPolicy = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

/** An IAM permissions policy allowing `actions` on `resources`. */
export const allowPolicy = (actions: string | string[], resources: string | string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resources }] });
