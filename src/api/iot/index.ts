import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { registerEndpointRoutes } from './endpoint.js';
import { registerThingRoutes } from './things.js';
import { registerThingTypeRoutes } from './thing-types.js';
import { registerThingGroupRoutes } from './thing-groups.js';
import { registerCertificateRoutes } from './certificates.js';
import { registerCaCertificateRoutes } from './ca-certificates.js';
import { registerPrincipalRoutes } from './principals.js';
import { registerPolicyRoutes } from './policies.js';
import { registerAuthorizationRoutes } from './authorization.js';
import { registerTagRoutes } from './tags.js';
import { registerRoleAliasRoutes } from './role-aliases.js';
import { registerJobRoutes } from './jobs.js';
import { registerJobTemplateRoutes } from './job-templates.js';
import { registerJobExecutionRoutes } from './job-executions.js';
import { registerFleetRoutes } from './fleet.js';

/** The IoT control plane (rest-json), one module per resource family. */
export function registerIotApi(app: FastifyInstance, ctx: AppContext): void {
  registerEndpointRoutes(app, ctx);
  registerThingRoutes(app, ctx);
  registerThingTypeRoutes(app, ctx);
  registerThingGroupRoutes(app, ctx);
  registerCertificateRoutes(app, ctx);
  registerCaCertificateRoutes(app, ctx);
  registerPrincipalRoutes(app, ctx);
  registerPolicyRoutes(app, ctx);
  registerAuthorizationRoutes(app, ctx);
  registerTagRoutes(app, ctx);
  registerRoleAliasRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  registerJobTemplateRoutes(app, ctx);
  registerJobExecutionRoutes(app, ctx);
  registerFleetRoutes(app, ctx);
}
