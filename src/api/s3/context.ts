import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../iam/principal.js';
import type { ObjectStore } from '../../objects/index.js';
import type { AppContext } from '../../server/context.js';
import type { S3Target } from './address.js';

/** What an S3 handler gets: the request, its target, who asks, and the store. */
export interface S3Call {
  request: FastifyRequest;
  reply: FastifyReply;
  ctx: AppContext;
  store: ObjectStore;
  principal: Principal;
  target: S3Target;
}

export type S3BucketCall = S3Call & { bucket: string };
export type S3ObjectCall = S3Call & { bucket: string; key: string };

export type S3Handler<C extends S3Call = S3Call> = (call: C) => Promise<unknown>;
