import { FerryError, invalidInput, invalidState, notFound } from '../errors.js';
import { randomHex } from '../ids.js';
import { getOrCreateSetting } from '../store/settings.js';
import type { IotCaCertificatesTable } from '../store/tables/registry.js';
import { isUniqueViolation, type Db, type RegistryDeps } from './deps.js';
import type { Page } from './paging.js';
import { pageByCreation, type ListCertificatesRequest } from './certificates.js';
import type { Tags } from './tags.js';
import { CA_STATUSES, CERTIFICATE_MODES, type CaCertificate, type CertificateMode, type RegistrationConfig, type Tag } from './types.js';
import { oneOf } from './validate.js';
import { isIssuedBy, normalizePem, readCertificate } from './x509.js';

export interface RegisterCaInput {
  caCertificatePem: string;
  verificationCertificatePem?: string | undefined;
  setAsActive?: boolean | undefined;
  allowAutoRegistration?: boolean | undefined;
  registrationConfig?: RegistrationConfig | undefined;
  mode?: string | undefined;
  tags?: Tag[] | undefined;
}

export interface UpdateCaInput {
  newStatus?: string | undefined;
  newAutoRegistrationStatus?: string | undefined;
  registrationConfig?: RegistrationConfig | undefined;
  removeAutoRegistration?: boolean | undefined;
}

const certificateValidation = (message: string) => invalidInput(message, 'certificate-validation');

/** Registered CA certificates: device certificates they issue can be registered with RegisterCertificate. */
export class CaCertificates {
  constructor(
    private readonly deps: RegistryDeps,
    private readonly tags: Tags,
  ) {}

  /** GetRegistrationCode: the common name a verification certificate must carry (one per account). */
  registrationCode(): Promise<string> {
    return getOrCreateSetting(this.deps.db, 'iot-registration-code', () => randomHex(32));
  }

  /**
   * API_RegisterCACertificate: in DEFAULT mode the caller proves it holds the CA key with a
   * verification certificate signed by the CA whose CN is the registration code; SNI_ONLY takes none.
   */
  async register(input: RegisterCaInput): Promise<CaCertificate> {
    const parsed = readCertificate(input.caCertificatePem, 'CA certificate');
    if (!parsed.isCa) throw certificateValidation('The certificate is not a CA certificate (basicConstraints CA:TRUE is missing).');
    if (parsed.notAfterMs < this.deps.clock.now()) throw certificateValidation('The CA certificate has expired.');
    const mode = input.mode === undefined ? 'DEFAULT' : oneOf(input.mode, CERTIFICATE_MODES, 'certificateMode');
    if (mode === 'SNI_ONLY' && input.verificationCertificatePem !== undefined) {
      throw invalidInput('A verification certificate cannot be given with certificateMode SNI_ONLY.');
    }
    if (mode === 'DEFAULT') await this.verify(input.caCertificatePem, input.verificationCertificatePem);
    const now = this.deps.clock.now();
    const row: IotCaCertificatesTable = {
      certificate_id: parsed.id,
      certificate_pem: normalizePem(input.caCertificatePem),
      status: input.setAsActive ? 'ACTIVE' : 'INACTIVE',
      auto_registration: input.allowAutoRegistration ? 'ENABLE' : 'DISABLE',
      registration_config: input.registrationConfig ? JSON.stringify(input.registrationConfig) : null,
      certificate_mode: mode,
      not_before: parsed.notBeforeMs,
      not_after: parsed.notAfterMs,
      created_at: now,
      modified_at: now,
      generation_id: randomHex(16),
      customer_version: 1,
    };
    const arn = this.deps.arns.caCert(row.certificate_id);
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await trx.insertInto('iot_ca_certificates').values(row).execute();
        await this.tags.put(trx, arn, input.tags ?? []);
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new FerryError('AlreadyExists', 'The CA certificate is already registered', {
        resource: 'ca-certificate',
        fields: { resourceId: row.certificate_id, resourceArn: arn },
      });
    }
    return this.toCa(row);
  }

  async update(id: string, input: UpdateCaInput): Promise<void> {
    const current = await this.describe(id);
    const status = input.newStatus === undefined ? current.status : oneOf(input.newStatus, CA_STATUSES, 'newStatus');
    let auto = input.newAutoRegistrationStatus === undefined ? current.autoRegistration : oneOf(input.newAutoRegistrationStatus, ['ENABLE', 'DISABLE'] as const, 'newAutoRegistrationStatus');
    let config = input.registrationConfig ?? current.registrationConfig;
    if (input.removeAutoRegistration) {
      auto = 'DISABLE';
      config = undefined;
    }
    await this.deps.db
      .updateTable('iot_ca_certificates')
      .set({ status, auto_registration: auto, registration_config: config ? JSON.stringify(config) : null, modified_at: this.deps.clock.now(), generation_id: randomHex(16) })
      .where('certificate_id', '=', id)
      .execute();
    if (status !== current.status) await this.deps.feed.emit('ca-certificate-status', { certificateId: id, status });
  }

  async describe(id: string): Promise<CaCertificate> {
    const ca = await this.get(this.deps.db, id);
    if (!ca) throw notFound('ca-certificate', `CA certificate ${id} does not exist.`);
    return ca;
  }

  async get(db: Db, id: string): Promise<CaCertificate | undefined> {
    const row = await db.selectFrom('iot_ca_certificates').selectAll().where('certificate_id', '=', id).executeTakeFirst();
    return row && this.toCa(row);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.get(this.deps.db, id)) !== undefined;
  }

  /** The registered CA with exactly this PEM's certificate, if any. */
  async byPem(pem: string): Promise<CaCertificate | undefined> {
    return this.get(this.deps.db, readCertificate(pem, 'CA certificate').id);
  }

  /** The registered CA that signed `certPem`, if any (preferring an ACTIVE one). */
  async findIssuer(certPem: string): Promise<CaCertificate | undefined> {
    const rows = await this.deps.db.selectFrom('iot_ca_certificates').selectAll().orderBy('status').execute();
    const row = rows.find((r) => isIssuedBy(certPem, r.certificate_pem));
    return row && this.toCa(row);
  }

  /** By creation date, newest first unless `ascending`. */
  async list(request: ListCertificatesRequest): Promise<Page<CaCertificate>> {
    return pageByCreation(this.deps.db.selectFrom('iot_ca_certificates').selectAll(), request, (r) => this.toCa(r));
  }

  /** A CA must be deactivated before it is deleted (CertificateStateException otherwise). */
  async delete(id: string): Promise<void> {
    const ca = await this.describe(id);
    if (ca.status === 'ACTIVE') throw invalidState('ca-certificate', `The CA certificate ${id} must be deactivated (INACTIVE) before deletion.`, 'certificate-state');
    await this.deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('iot_ca_certificates').where('certificate_id', '=', id).execute();
      await this.tags.removeAll(trx, ca.arn);
    });
    await this.deps.feed.emit('ca-certificate-status', { certificateId: id, status: 'DELETED' });
  }

  private async verify(caPem: string, verificationPem: string | undefined): Promise<void> {
    if (verificationPem === undefined) {
      throw certificateValidation('A verification certificate is required in DEFAULT mode: sign a certificate whose common name is the registration code (GetRegistrationCode) with the CA key.');
    }
    const verification = readCertificate(verificationPem, 'verification certificate');
    if (!isIssuedBy(verificationPem, caPem)) throw certificateValidation('The verification certificate is not signed by the CA certificate.');
    const code = await this.registrationCode();
    const commonName = commonNameOf(verification);
    if (commonName !== code) throw certificateValidation(`The verification certificate's common name must be the registration code ${code}.`);
  }

  private toCa(row: IotCaCertificatesTable): CaCertificate {
    const ca: CaCertificate = {
      id: row.certificate_id,
      arn: this.deps.arns.caCert(row.certificate_id),
      pem: row.certificate_pem,
      status: row.status as CaCertificate['status'],
      autoRegistration: row.auto_registration as CaCertificate['autoRegistration'],
      mode: row.certificate_mode as CertificateMode,
      notBefore: row.not_before,
      notAfter: row.not_after,
      createdAt: row.created_at,
      modifiedAt: row.modified_at,
      generationId: row.generation_id,
      customerVersion: row.customer_version,
    };
    if (row.registration_config !== null) ca.registrationConfig = JSON.parse(row.registration_config) as RegistrationConfig;
    return ca;
  }
}

function commonNameOf(parsed: ReturnType<typeof readCertificate>): string | undefined {
  return parsed.subject.CommonName;
}
