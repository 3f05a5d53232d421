/** The registry's records as the domain hands them out (times in epoch ms). */

export interface Thing {
  name: string;
  id: string;
  arn: string;
  typeName?: string;
  attributes: Record<string, string>;
  version: number;
  createdAt: number;
  modifiedAt: number;
}

export interface ThingType {
  name: string;
  id: string;
  arn: string;
  description?: string;
  searchableAttributes: string[];
  deprecated: boolean;
  deprecatedAt?: number;
  createdAt: number;
}

export interface GroupRef {
  name: string;
  arn: string;
}

export interface ThingGroup {
  name: string;
  id: string;
  arn: string;
  parentName?: string;
  /** Ancestors from the root down to the parent. */
  rootToParent: GroupRef[];
  description?: string;
  attributes: Record<string, string>;
  version: number;
  createdAt: number;
  /** Present for a dynamic thing group: its fleet-indexing query and how far its evaluation is. */
  dynamic?: DynamicGroup;
}

/** BUILDING while the fleet is first evaluated, REBUILDING after a query change, then ACTIVE (DynamicGroupStatus). */
export type DynamicGroupStatus = 'BUILDING' | 'REBUILDING' | 'ACTIVE';

export interface DynamicGroup {
  queryString: string;
  queryVersion: string;
  indexName: string;
  status: DynamicGroupStatus;
}

export const CERTIFICATE_STATUSES = ['ACTIVE', 'INACTIVE', 'REVOKED', 'PENDING_TRANSFER', 'REGISTER_INACTIVE', 'PENDING_ACTIVATION'] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];
export const CA_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
export type CaCertificateStatus = (typeof CA_STATUSES)[number];
export const CERTIFICATE_MODES = ['DEFAULT', 'SNI_ONLY'] as const;
export type CertificateMode = (typeof CERTIFICATE_MODES)[number];

export interface Certificate {
  id: string;
  arn: string;
  pem: string;
  status: CertificateStatus;
  caCertificateId?: string;
  mode: CertificateMode;
  notBefore: number;
  notAfter: number;
  createdAt: number;
  modifiedAt: number;
  generationId: string;
  customerVersion: number;
}

export interface RegistrationConfig {
  templateBody?: string;
  roleArn?: string;
  templateName?: string;
}

export interface CaCertificate {
  id: string;
  arn: string;
  pem: string;
  status: CaCertificateStatus;
  autoRegistration: 'ENABLE' | 'DISABLE';
  registrationConfig?: RegistrationConfig;
  mode: CertificateMode;
  notBefore: number;
  notAfter: number;
  createdAt: number;
  modifiedAt: number;
  generationId: string;
  customerVersion: number;
}

export interface Policy {
  name: string;
  arn: string;
  /** The default version's document. */
  document: string;
  defaultVersionId: string;
  createdAt: number;
  modifiedAt: number;
  generationId: string;
}

export interface PolicyVersion {
  policyName: string;
  arn: string;
  versionId: string;
  document: string;
  isDefault: boolean;
  createdAt: number;
}

export interface Tag {
  key: string;
  value: string;
}
