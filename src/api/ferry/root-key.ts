import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../server/context.js';
import { rotateRootKey } from '../../server/root-key.js';
import { iotOperation } from '../iot/route.js';

/** POST /ferry/admin/rotate-root-key's answer: the new key's id (its secret is in each node's aws/credentials, never on the wire). */
export interface RotateRootKeyResponse {
  accessKeyId: string;
}

/** Ferry's own operation: replace the root key. For the root key only (no IAM action grants it, as AWS's root keys). */
export function registerRootKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  iotOperation(app, ctx, 'POST', '/ferry/admin/rotate-root-key', async (): Promise<RotateRootKeyResponse> => rotateRootKey(ctx));
}
