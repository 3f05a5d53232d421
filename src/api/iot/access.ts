/**
 * What the authorizer is asked for each IoT control-plane operation: AWS's
 * action name and every resource AWS checks for it (the IoT service
 * authorization reference), plus the role a request hands to IoT, which
 * needs iam:PassRole. One table, keyed by the route, so iotOperation needs
 * no change per handler. Every route is in the table or in ROOT_ONLY
 * (iotOperation refuses to register one in neither); a ROOT_ONLY route is
 * refused to every caller but the root key.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../server/context.js';

export interface IotAccess {
  action: string;
  resources: string[];
  /** A role handed to IoT (presigned URLs, a role alias): iam:PassRole on it. */
  passRole?: string;
}

type Arn = (ctx: AppContext, r: FastifyRequest) => string[];

const param = (r: FastifyRequest, name: string): string => decodeURIComponent((r.params as Record<string, string | undefined>)[name] ?? '');
/** The request's JSON body, parsed once per request however many resources and roles read it. */
const bodies = new WeakMap<FastifyRequest, Record<string, unknown>>();
const body = (r: FastifyRequest): Record<string, unknown> => {
  let parsed = bodies.get(r);
  if (parsed === undefined) {
    try {
      parsed = r.rawBody && r.rawBody.length > 0 ? (JSON.parse(r.rawBody.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    bodies.set(r, parsed);
  }
  return parsed;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const query = (r: FastifyRequest, name: string): string | undefined => str((r.query as Record<string, unknown> | undefined)?.[name]);
const header = (r: FastifyRequest, name: string): string | undefined => str(r.headers[name]);
const arn = (ctx: AppContext, type: string, name: string): string => `arn:aws:iot:${ctx.region}:${ctx.accountId}:${type}/${name}`;

const ANY: Arn = () => ['*'];
const thing: Arn = (ctx, r) => [arn(ctx, 'thing', param(r, 'thingName'))];
const group: Arn = (ctx, r) => [arn(ctx, 'thinggroup', param(r, 'thingGroupName'))];
const type: Arn = (ctx, r) => [arn(ctx, 'thingtype', param(r, 'thingTypeName'))];
const cert: Arn = (ctx, r) => [arn(ctx, 'cert', param(r, 'certificateId'))];
const caCert: Arn = (ctx, r) => [arn(ctx, 'cacert', param(r, 'certificateId'))];
const policy: Arn = (ctx, r) => [arn(ctx, 'policy', param(r, 'policyName'))];
const alias: Arn = (ctx, r) => [arn(ctx, 'rolealias', param(r, 'roleAlias'))];
const job: Arn = (ctx, r) => [arn(ctx, 'job', param(r, 'jobId'))];
/** CreateJobTemplate also reads the job it is made from (`jobArn`). */
const jobTemplate: Arn = (ctx, r) => [arn(ctx, 'jobtemplate', param(r, 'jobTemplateId')), ...(str(body(r).jobArn) ? [str(body(r).jobArn)!] : [])];
/** AWS-managed templates belong to no account: arn:aws:iot:R::jobtemplate/NAME (the version follows a colon). */
const managedTemplate: Arn = (ctx, r) => [`arn:aws:iot:${ctx.region}::jobtemplate/${param(r, 'templateName')}${query(r, 'templateVersion') ? `:${query(r, 'templateVersion')}` : ''}`];
const jobAndThing: Arn = (ctx, r) => [...job(ctx, r), ...thing(ctx, r)];
const index: Arn = (ctx, r) => [arn(ctx, 'index', str(body(r).indexName) ?? str(param(r, 'indexName')) ?? 'AWS_Things')];
const tagged: Arn = (_ctx, r) => [query(r, 'resourceArn') ?? str(body(r).resourceArn) ?? '*'];
const principalCert: Arn = (_ctx, r) => [header(r, 'x-amzn-iot-principal') ?? header(r, 'x-amzn-principal') ?? '*'];
const policyTarget: Arn = (_ctx, r) => [str(body(r).target) ?? '*'];
/** CreateJob and AssociateTargetsWithJob: the job, each target, and the template a job is made from. */
const jobTargets: Arn = (ctx, r) => {
  const b = body(r);
  return [...job(ctx, r), ...strings(b.targets), ...(str(b.jobTemplateArn) ? [str(b.jobTemplateArn)!] : [])];
};
/** AddThingToThingGroup/RemoveThingFromThingGroup: the group and the thing. */
const membership: Arn = (ctx, r) => {
  const b = body(r);
  const g = str(b.thingGroupArn) ?? (str(b.thingGroupName) ? arn(ctx, 'thinggroup', str(b.thingGroupName)!) : '*');
  const t = str(b.thingArn) ?? (str(b.thingName) ? arn(ctx, 'thing', str(b.thingName)!) : '*');
  return [g, t];
};
const thingInBody: Arn = (ctx, r) => {
  const b = body(r);
  const groups = [...strings(b.thingGroupsToAdd), ...strings(b.thingGroupsToRemove)].map((n) => arn(ctx, 'thinggroup', n));
  return [arn(ctx, 'thing', str(b.thingName) ?? '*'), ...groups];
};

const presignRole = (r: FastifyRequest): string | undefined => {
  const config = body(r).presignedUrlConfig as Record<string, unknown> | undefined;
  return str(config?.roleArn);
};
const aliasRole = (r: FastifyRequest): string | undefined => str(body(r).roleArn);

const TABLE: Record<string, [string, Arn, ((r: FastifyRequest) => string | undefined)?]> = {
  'GET /endpoint': ['DescribeEndpoint', ANY],
  'POST /things/:thingName': ['CreateThing', thing],
  'GET /things/:thingName': ['DescribeThing', thing],
  'PATCH /things/:thingName': ['UpdateThing', thing],
  'DELETE /things/:thingName': ['DeleteThing', thing],
  'GET /things': ['ListThings', ANY],
  'PUT /things/:thingName/principals': ['AttachThingPrincipal', thing],
  'DELETE /things/:thingName/principals': ['DetachThingPrincipal', thing],
  'GET /things/:thingName/principals': ['ListThingPrincipals', thing],
  'GET /things/:thingName/principals-v2': ['ListThingPrincipalsV2', thing],
  'GET /principals/things': ['ListPrincipalThings', ANY],
  'GET /principals/things-v2': ['ListPrincipalThingsV2', ANY],
  'GET /things/:thingName/thing-groups': ['ListThingGroupsForThing', thing],
  'POST /thing-types/:thingTypeName': ['CreateThingType', type],
  'GET /thing-types/:thingTypeName': ['DescribeThingType', type],
  'GET /thing-types': ['ListThingTypes', ANY],
  'POST /thing-types/:thingTypeName/deprecate': ['DeprecateThingType', type],
  'DELETE /thing-types/:thingTypeName': ['DeleteThingType', type],
  'POST /thing-groups/:thingGroupName': ['CreateThingGroup', group],
  'GET /thing-groups/:thingGroupName': ['DescribeThingGroup', group],
  'PATCH /thing-groups/:thingGroupName': ['UpdateThingGroup', group],
  'DELETE /thing-groups/:thingGroupName': ['DeleteThingGroup', group],
  'GET /thing-groups': ['ListThingGroups', ANY],
  'GET /thing-groups/:thingGroupName/things': ['ListThingsInThingGroup', group],
  'PUT /thing-groups/addThingToThingGroup': ['AddThingToThingGroup', membership],
  'PUT /thing-groups/removeThingFromThingGroup': ['RemoveThingFromThingGroup', membership],
  'PUT /thing-groups/updateThingGroupsForThing': ['UpdateThingGroupsForThing', thingInBody],
  'POST /dynamic-thing-groups/:thingGroupName': ['CreateDynamicThingGroup', group],
  'PATCH /dynamic-thing-groups/:thingGroupName': ['UpdateDynamicThingGroup', group],
  'DELETE /dynamic-thing-groups/:thingGroupName': ['DeleteDynamicThingGroup', group],
  'POST /keys-and-certificate': ['CreateKeysAndCertificate', ANY],
  'POST /certificates': ['CreateCertificateFromCsr', ANY],
  'POST /certificate/register': ['RegisterCertificate', ANY],
  'POST /certificate/register-no-ca': ['RegisterCertificateWithoutCA', ANY],
  'GET /certificates/:certificateId': ['DescribeCertificate', cert],
  'PUT /certificates/:certificateId': ['UpdateCertificate', cert],
  'DELETE /certificates/:certificateId': ['DeleteCertificate', cert],
  'GET /certificates': ['ListCertificates', ANY],
  'GET /certificates-by-ca/:caCertificateId': ['ListCertificatesByCA', ANY],
  'POST /cacertificate': ['RegisterCACertificate', ANY],
  'GET /cacertificate/:certificateId': ['DescribeCACertificate', caCert],
  'PUT /cacertificate/:certificateId': ['UpdateCACertificate', caCert],
  'DELETE /cacertificate/:certificateId': ['DeleteCACertificate', caCert],
  'GET /cacertificates': ['ListCACertificates', ANY],
  'GET /registrationcode': ['GetRegistrationCode', ANY],
  'POST /policies/:policyName': ['CreatePolicy', policy],
  'GET /policies/:policyName': ['GetPolicy', policy],
  'DELETE /policies/:policyName': ['DeletePolicy', policy],
  'GET /policies': ['ListPolicies', ANY],
  'POST /policies/:policyName/version': ['CreatePolicyVersion', policy],
  'GET /policies/:policyName/version': ['ListPolicyVersions', policy],
  'GET /policies/:policyName/version/:policyVersionId': ['GetPolicyVersion', policy],
  'PATCH /policies/:policyName/version/:policyVersionId': ['SetDefaultPolicyVersion', policy],
  'DELETE /policies/:policyName/version/:policyVersionId': ['DeletePolicyVersion', policy],
  'PUT /target-policies/:policyName': ['AttachPolicy', policyTarget],
  'POST /target-policies/:policyName': ['DetachPolicy', policyTarget],
  'PUT /principal-policies/:policyName': ['AttachPrincipalPolicy', principalCert],
  'DELETE /principal-policies/:policyName': ['DetachPrincipalPolicy', principalCert],
  'GET /principal-policies': ['ListPrincipalPolicies', ANY],
  'GET /policy-principals': ['ListPolicyPrincipals', ANY],
  'POST /policy-targets/:policyName': ['ListTargetsForPolicy', policy],
  'POST /attached-policies/:target': ['ListAttachedPolicies', (_ctx, r) => [param(r, 'target')]],
  'POST /effective-policies': ['GetEffectivePolicies', ANY],
  'POST /test-authorization': ['TestAuthorization', ANY],
  'POST /role-aliases/:roleAlias': ['CreateRoleAlias', alias, aliasRole],
  'PUT /role-aliases/:roleAlias': ['UpdateRoleAlias', alias, aliasRole],
  'GET /role-aliases/:roleAlias': ['DescribeRoleAlias', alias],
  'DELETE /role-aliases/:roleAlias': ['DeleteRoleAlias', alias],
  'GET /role-aliases': ['ListRoleAliases', ANY],
  'GET /tags': ['ListTagsForResource', tagged],
  'POST /tags': ['TagResource', tagged],
  'POST /untag': ['UntagResource', tagged],
  'PUT /jobs/:jobId': ['CreateJob', jobTargets, presignRole],
  'PATCH /jobs/:jobId': ['UpdateJob', job, presignRole],
  'GET /jobs/:jobId': ['DescribeJob', job],
  'GET /jobs/:jobId/job-document': ['GetJobDocument', job],
  'PUT /jobs/:jobId/cancel': ['CancelJob', job],
  'DELETE /jobs/:jobId': ['DeleteJob', job],
  'GET /jobs': ['ListJobs', ANY],
  'POST /jobs/:jobId/targets': ['AssociateTargetsWithJob', jobTargets],
  'GET /jobs/:jobId/things': ['ListJobExecutionsForJob', job],
  'GET /things/:thingName/jobs': ['ListJobExecutionsForThing', thing],
  'GET /things/:thingName/jobs/:jobId': ['DescribeJobExecution', thing],
  'PUT /things/:thingName/jobs/:jobId/cancel': ['CancelJobExecution', jobAndThing],
  'DELETE /things/:thingName/jobs/:jobId/executionNumber/:executionNumber': ['DeleteJobExecution', jobAndThing],
  'GET /indexing/config': ['GetIndexingConfiguration', ANY],
  'POST /indexing/config': ['UpdateIndexingConfiguration', ANY],
  'GET /indices': ['ListIndices', ANY],
  'GET /indices/:indexName': ['DescribeIndex', index],
  'POST /indices/search': ['SearchIndex', index],
  'POST /indices/statistics': ['GetStatistics', index],
  'POST /indices/buckets': ['GetBucketsAggregation', index],
  'POST /indices/cardinality': ['GetCardinality', index],
  'POST /indices/percentiles': ['GetPercentiles', index],
  'PUT /job-templates/:jobTemplateId': ['CreateJobTemplate', jobTemplate, presignRole],
  'GET /job-templates/:jobTemplateId': ['DescribeJobTemplate', jobTemplate],
  'DELETE /job-templates/:jobTemplateId': ['DeleteJobTemplate', jobTemplate],
  'GET /job-templates': ['ListJobTemplates', ANY],
  'GET /managed-job-templates': ['ListManagedJobTemplates', ANY],
  'GET /managed-job-templates/:templateName': ['DescribeManagedJobTemplate', managedTemplate],
  // Ferry's own operations, under Ferry's own service prefix.
  'POST /ferry/things/:thingName/certificate-rotations': ['ferry:RotateThingCertificate', thing],
  'GET /ferry/things/:thingName/certificate-rotations': ['ferry:ListCertificateRotations', thing],
  'GET /ferry/cluster/nodes': ['ferry:ListClusterNodes', ANY],
  // The event history: who may describe a thing or a job may read what happened to it.
  'GET /ferry/things/:thingName/history': ['DescribeThing', thing],
  'GET /ferry/jobs/:jobId/history': ['DescribeJob', job],
  // The audit log answers as CloudTrail's event history does, to the same action.
  'POST /ferry/audit/events': ['cloudtrail:LookupEvents', ANY],
};

/** Ferry's administration, which no identity policy can grant: the account's root key only. */
const ROOT_ONLY = new Set(['POST /ferry/admin/rotate-root-key']);

/** Whether a route is in the table or named root-only: an operation registered in neither is a mistake. */
export function hasIotAccess(method: string, url: string): boolean {
  const route = `${method} ${url}`;
  return route in TABLE || ROOT_ONLY.has(route);
}

/** The action, resources and passed role of one IoT request; undefined for a route not in the table. */
export function iotAccessOf(ctx: AppContext, method: string, url: string, request: FastifyRequest): IotAccess | undefined {
  const entry = TABLE[`${method} ${url}`];
  if (!entry) return undefined;
  const [name, resources, passRole] = entry;
  const role = passRole?.(request);
  return { action: name.includes(':') ? name : `iot:${name}`, resources: resources(ctx, request), ...(role ? { passRole: role } : {}) };
}
