import { sql, type SelectQueryBuilder } from 'kysely';
import { FerryError, conflict, invalidInput, invalidState, notFound } from '../errors.js';
import { randomHex } from '../ids.js';
import type { Database } from '../store/schema.js';
import type { IotCertificatesTable } from '../store/tables/registry.js';
import type { CaCertificates } from './ca-certificates.js';
import { isUniqueViolation, type Db, type RegistryDeps } from './deps.js';
import { DEFAULT_PAGE, decodeToken, isNumberString, pageOf, type Page, type PageRequest } from './paging.js';
import type { Tags } from './tags.js';
import { CERTIFICATE_STATUSES, type Certificate, type CertificateMode, type CertificateStatus } from './types.js';
import { oneOf } from './validate.js';
import { isIssuedBy, issueForPublicKey, newRsaKeyPair, normalizePem, readCertificate, signCsr, type ParsedCertificate } from './x509.js';

export interface KeysAndCertificate {
  certificate: Certificate;
  keyPair: { publicKeyPem: string; privateKeyPem: string };
}

export interface RegisterInput {
  certificatePem: string;
  caCertificatePem?: string | undefined;
  status?: string | undefined;
  setAsActive?: boolean | undefined;
}

export interface ListCertificatesRequest extends PageRequest {
  ascending?: boolean | undefined;
}

// API_UpdateCertificate: these statuses are AWS-internal and refused.
const INTERNAL_STATUSES = new Set(['PENDING_TRANSFER', 'PENDING_ACTIVATION']);

const certificateState = (message: string) => invalidState('certificate', message, 'certificate-state');
const certificateValidation = (message: string) => invalidInput(message, 'certificate-validation');

/** Device certificates: issued by Ferry's CA, or registered (with a registered CA or without one). */
export class Certificates {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly cas: CaCertificates,
    private readonly tags: Tags,
  ) {}

  /** A new RSA-2048 key pair and a certificate for it from Ferry's CA (aws-wire-protocols.md §3.3). */
  async createKeysAndCertificate(setAsActive: boolean): Promise<KeysAndCertificate> {
    const keyPair = await newRsaKeyPair();
    const pem = await issueForPublicKey(this.deps.ca, keyPair.publicKeyPem, this.deps.clock.now());
    const certificate = await this.insert(pem, readCertificate(pem), setAsActive ? 'ACTIVE' : 'INACTIVE', undefined, 'DEFAULT');
    return { certificate, keyPair };
  }

  /** Ferry's CA signs the device's CSR; the subject comes from the CSR. */
  async createFromCsr(csrPem: string, setAsActive: boolean): Promise<Certificate> {
    const pem = await signCsr(this.deps.ca, csrPem, this.deps.clock.now());
    return this.insert(pem, readCertificate(pem), setAsActive ? 'ACTIVE' : 'INACTIVE', undefined, 'DEFAULT');
  }

  /** RegisterCertificate: the certificate must be issued by a registered CA (named, or found by issuer). */
  async register(input: RegisterInput): Promise<Certificate> {
    const parsed = this.readDeviceCertificate(input.certificatePem);
    const status = registrationStatus(input);
    const ca = input.caCertificatePem !== undefined ? await this.cas.byPem(input.caCertificatePem) : await this.cas.findIssuer(input.certificatePem);
    if (!ca) throw certificateValidation('The certificate is not signed by a registered CA certificate.');
    // findIssuer checked the signature already; a CA named by PEM is checked here.
    if (input.caCertificatePem !== undefined && !isIssuedBy(input.certificatePem, ca.pem)) throw certificateValidation(`The certificate is not signed by the CA certificate ${ca.id}.`);
    if (ca.status !== 'ACTIVE') throw certificateState(`The CA certificate ${ca.id} is not ACTIVE.`);
    return this.insert(input.certificatePem, parsed, status, ca.id, ca.mode);
  }

  /** RegisterCertificateWithoutCA: any certificate the device made; AWS registers these in SNI_ONLY mode. */
  async registerWithoutCa(input: { certificatePem: string; status?: string | undefined }): Promise<Certificate> {
    const parsed = this.readDeviceCertificate(input.certificatePem);
    return this.insert(input.certificatePem, parsed, registrationStatus(input), undefined, 'SNI_ONLY');
  }

  /**
   * Idempotent. A REVOKED certificate stays revoked (DG revoke-ca-cert.md). Subscribers of
   * `certificate-status` (the broker) are awaited before this returns.
   */
  async update(id: string, newStatus: string): Promise<void> {
    const status = oneOf(newStatus, CERTIFICATE_STATUSES, 'newStatus');
    if (INTERNAL_STATUSES.has(status)) throw invalidInput(`The status ${status} is used internally and cannot be set.`);
    const current = await this.describe(id);
    if (current.status === status) return;
    if (current.status === 'REVOKED') throw certificateState(`Certificate ${id} is REVOKED; a revoked certificate's status cannot change.`);
    await this.deps.db
      .updateTable('iot_certificates')
      .set({ status, modified_at: this.deps.clock.now(), generation_id: randomHex(16) })
      .where('certificate_id', '=', id)
      .execute();
    await this.deps.feed.emit('certificate-status', { certificateId: id, status, previousStatus: current.status });
  }

  async describe(id: string): Promise<Certificate> {
    const certificate = await this.get(this.deps.db, id);
    if (!certificate) throw notFound('certificate', `Certificate ${id} does not exist.`);
    return certificate;
  }

  async get(db: Db, id: string): Promise<Certificate | undefined> {
    const row = await db.selectFrom('iot_certificates').selectAll().where('certificate_id', '=', id).executeTakeFirst();
    return row && this.toCertificate(row);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.get(this.deps.db, id)) !== undefined;
  }

  /** By creation date, newest first unless `ascending`. */
  async list(request: ListCertificatesRequest, caCertificateId?: string): Promise<Page<Certificate>> {
    let query = this.deps.db.selectFrom('iot_certificates').selectAll();
    if (caCertificateId !== undefined) query = query.where('ca_certificate_id', '=', caCertificateId);
    return pageByCreation(query, request, (r) => this.toCertificate(r));
  }

  /** ListCertificatesByCA: the CA must be registered (NotFound otherwise), even when it issued nothing. */
  async listByCa(caCertificateId: string, request: ListCertificatesRequest): Promise<Page<Certificate>> {
    await this.cas.describe(caCertificateId);
    return this.list(request, caCertificateId);
  }

  /**
   * API_DeleteCertificate: refused while ACTIVE (CertificateStateException) or attached
   * to a thing or, unless forced, to a policy (DeleteConflictException).
   */
  async delete(id: string, force: boolean): Promise<void> {
    const certificate = await this.describe(id);
    if (certificate.status === 'ACTIVE') throw certificateState(`Certificate must be deactivated (not ACTIVE) before deletion. Id: ${id}`);
    const thing = await this.deps.db.selectFrom('iot_thing_principals').select('thing_name').where('principal', '=', certificate.arn).executeTakeFirst();
    if (thing) throw conflict('certificate', `Things must be detached before deletion (arn: ${certificate.arn}); it is attached to thing ${thing.thing_name}.`);
    const policies = await this.deps.db.selectFrom('iot_policy_targets').select('policy_name').where('target', '=', certificate.arn).execute();
    if (policies.length > 0 && !force) {
      throw conflict('certificate', `Certificate policies must be detached before deletion (arn: ${certificate.arn}); attached: ${policies.map((p) => p.policy_name).join(', ')}.`);
    }
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iot_policy_targets').where('target', '=', certificate.arn).execute();
      await trx.deleteFrom('iot_certificates').where('certificate_id', '=', id).execute();
      await this.tags.removeAll(trx, certificate.arn);
    });
    for (const p of policies) await this.deps.feed.emit('policy-attachment', { policyName: p.policy_name, target: certificate.arn, attached: false });
    await this.deps.feed.emit('certificate-deleted', { certificateId: id });
  }

  private readDeviceCertificate(pem: string): ParsedCertificate {
    const parsed = readCertificate(pem);
    if (parsed.isCa) throw certificateValidation('The certificate is a CA certificate; register it with RegisterCACertificate.');
    const now = this.deps.clock.now();
    if (parsed.notAfterMs < now) throw certificateValidation('The certificate has expired.');
    return parsed;
  }

  private async insert(pem: string, parsed: ParsedCertificate, status: CertificateStatus, caId: string | undefined, mode: CertificateMode): Promise<Certificate> {
    const now = this.deps.clock.now();
    const row: IotCertificatesTable = {
      certificate_id: parsed.id,
      certificate_pem: normalizePem(pem),
      status,
      ca_certificate_id: caId ?? null,
      certificate_mode: mode,
      not_before: parsed.notBeforeMs,
      not_after: parsed.notAfterMs,
      created_at: now,
      modified_at: now,
      generation_id: randomHex(16),
      customer_version: 1,
    };
    try {
      await this.deps.db.insertInto('iot_certificates').values(row).execute();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const arn = this.deps.arns.cert(row.certificate_id);
      throw new FerryError('AlreadyExists', 'The certificate is already provisioned or registered', {
        resource: 'certificate',
        fields: { resourceId: row.certificate_id, resourceArn: arn },
      });
    }
    return this.toCertificate(row);
  }

  private toCertificate(row: IotCertificatesTable): Certificate {
    const certificate: Certificate = {
      id: row.certificate_id,
      arn: this.deps.arns.cert(row.certificate_id),
      pem: row.certificate_pem,
      status: row.status as CertificateStatus,
      mode: row.certificate_mode as CertificateMode,
      notBefore: row.not_before,
      notAfter: row.not_after,
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
      generationId: row.generation_id,
      customerVersion: row.customer_version,
    };
    if (row.ca_certificate_id !== null) certificate.caCertificateId = row.ca_certificate_id;
    return certificate;
  }
}

/**
 * One page of certificates or CA certificates: keyset paging on (created_at, certificate_id),
 * newest first unless `ascending`. The token is the last row's [created_at, certificate_id].
 */
export async function pageByCreation<TB extends 'iot_certificates' | 'iot_ca_certificates', R extends { created_at: number; certificate_id: string }, T>(
  query: SelectQueryBuilder<Database, TB, R>,
  request: ListCertificatesRequest,
  map: (row: R) => T,
): Promise<Page<T>> {
  const limit = request.limit ?? DEFAULT_PAGE;
  const after = decodeToken(request.token, isNumberString);
  const ascending = request.ascending ?? false;
  const createdAt = sql.ref<number>('created_at');
  const certificateId = sql.ref<string>('certificate_id');
  if (after !== undefined) {
    const [at, id] = after;
    const op = ascending ? '>' : '<';
    query = query.where((eb) => eb.or([eb(createdAt, op, at), eb.and([eb(createdAt, '=', at), eb(certificateId, op, id)])]));
  }
  const dir = ascending ? 'asc' : 'desc';
  const rows = await query.orderBy(createdAt, dir).orderBy(certificateId, dir).limit(limit + 1).execute();
  return pageOf(rows, limit, (r) => [r.created_at, r.certificate_id], map);
}

/** `status` wins; the deprecated setAsActive means ACTIVE; the default is INACTIVE. */
function registrationStatus(input: { status?: string | undefined; setAsActive?: boolean | undefined }): CertificateStatus {
  if (input.status !== undefined) {
    const status = oneOf(input.status, CERTIFICATE_STATUSES, 'status');
    if (status === 'PENDING_TRANSFER') throw invalidInput('A certificate cannot be registered as PENDING_TRANSFER.');
    return status;
  }
  return input.setAsActive ? 'ACTIVE' : 'INACTIVE';
}
