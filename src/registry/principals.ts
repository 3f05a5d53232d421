import { invalidInput, notFound } from '../errors.js';
import type { Certificates } from './certificates.js';
import type { RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Things } from './things.js';
import { oneOf } from './validate.js';

export const THING_PRINCIPAL_TYPES = ['EXCLUSIVE_THING', 'NON_EXCLUSIVE_THING'] as const;
export type ThingPrincipalType = (typeof THING_PRINCIPAL_TYPES)[number];

export interface ThingPrincipal {
  thingName: string;
  principal: string;
  type: ThingPrincipalType;
}

/**
 * Thing ↔ principal (certificate ARN) attachments. An EXCLUSIVE_THING attachment
 * is the certificate's only thing, and names it even when the client id differs
 * (DG thing-policy-variables.md).
 */
export class Principals {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly things: Things,
    private readonly certificates: Certificates,
  ) {}

  /** Idempotent; attaching again with another type changes the type. */
  async attach(thingName: string, principal: string, type?: string): Promise<void> {
    const principalType = type === undefined ? 'NON_EXCLUSIVE_THING' : oneOf(type, THING_PRINCIPAL_TYPES, 'thingPrincipalType');
    await this.things.describe(thingName);
    await this.requireCertificate(principal);
    const others = await this.deps.db.selectFrom('iot_thing_principals').selectAll().where('principal', '=', principal).execute();
    const current = others.find((o) => o.thing_name === thingName);
    const elsewhere = others.filter((o) => o.thing_name !== thingName);
    if (principalType === 'EXCLUSIVE_THING' && elsewhere.length > 0) {
      throw invalidInput(`The principal is already attached to thing ${elsewhere[0]!.thing_name}; it cannot be attached exclusively to ${thingName}.`);
    }
    const exclusive = elsewhere.find((o) => o.principal_type === 'EXCLUSIVE_THING');
    if (exclusive) throw invalidInput(`The principal is attached exclusively to thing ${exclusive.thing_name}.`);
    if (current?.principal_type === principalType) return;
    await this.deps.db
      .insertInto('iot_thing_principals')
      .values({ thing_name: thingName, principal, principal_type: principalType, attached_at: this.deps.clock.now() })
      .onConflict((oc) => oc.columns(['thing_name', 'principal']).doUpdateSet({ principal_type: principalType }))
      .execute();
    await this.deps.feed.emit('thing-principal', { thingName, principal, attached: true });
  }

  /** Detaching what is not attached is a no-op. */
  async detach(thingName: string, principal: string): Promise<void> {
    await this.things.describe(thingName);
    this.certificateIdIn(principal);
    const result = await this.deps.db.deleteFrom('iot_thing_principals').where('thing_name', '=', thingName).where('principal', '=', principal).executeTakeFirst();
    if (result.numDeletedRows > 0n) await this.deps.feed.emit('thing-principal', { thingName, principal, attached: false });
  }

  async listForThing(thingName: string, request: PageRequest & { type?: string | undefined }): Promise<Page<ThingPrincipal>> {
    if (!(await this.things.exists(thingName))) {
      throw notFound('thing', `Failed to list principals for thing ${thingName} because the thing does not exist in your account`);
    }
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_thing_principals').selectAll().where('thing_name', '=', thingName);
    if (request.type !== undefined) query = query.where('principal_type', '=', oneOf(request.type, THING_PRINCIPAL_TYPES, 'thingPrincipalType'));
    if (after !== undefined) query = query.where('principal', '>', after);
    const rows = await query.orderBy('principal').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.principal, toThingPrincipal);
  }

  async listForPrincipal(principal: string, request: PageRequest & { type?: string | undefined }): Promise<Page<ThingPrincipal>> {
    await this.requireCertificate(principal);
    const limit = request.limit ?? DEFAULT_PAGE;
    const after = decodeToken(request.token, isString);
    let query = this.deps.db.selectFrom('iot_thing_principals').selectAll().where('principal', '=', principal);
    if (request.type !== undefined) query = query.where('principal_type', '=', oneOf(request.type, THING_PRINCIPAL_TYPES, 'thingPrincipalType'));
    if (after !== undefined) query = query.where('thing_name', '>', after);
    const rows = await query.orderBy('thing_name').limit(limit + 1).execute();
    return pageOf(rows, limit, (r) => r.thing_name, toThingPrincipal);
  }

  /** Every thing the principal is attached to (for identity resolution). */
  async thingsOf(principal: string): Promise<ThingPrincipal[]> {
    const rows = await this.deps.db.selectFrom('iot_thing_principals').selectAll().where('principal', '=', principal).execute();
    return rows.map(toThingPrincipal);
  }

  private certificateIdIn(principal: string): string {
    const id = this.deps.arns.nameIn(principal, 'cert');
    if (id === undefined) {
      throw invalidInput(`Principal ${principal} is not a certificate ARN of this account and region (arn:aws:iot:${this.deps.arns.region}:${this.deps.arns.accountId}:cert/<id>).`);
    }
    return id;
  }

  private async requireCertificate(principal: string): Promise<void> {
    const id = this.certificateIdIn(principal);
    if (!(await this.certificates.exists(id))) throw notFound('certificate', `Certificate ${id} does not exist.`);
  }
}

function toThingPrincipal(row: { thing_name: string; principal: string; principal_type: string }): ThingPrincipal {
  return { thingName: row.thing_name, principal: row.principal, type: row.principal_type as ThingPrincipalType };
}
