/**
 * The registry tables: things, thing types, thing groups, certificates, CA
 * certificates, principals, IoT policies and tags. Times are epoch ms,
 * booleans 0/1, JSON is TEXT (see ../schema.ts).
 */
export interface IotThingsTable {
  thing_name: string;
  thing_id: string;
  thing_type_name: string | null;
  version: number;
  created_at: number;
  modified_at: number;
}

/** One row per attribute, so ListThings can filter by attribute in SQL. */
export interface IotThingAttributesTable {
  thing_name: string;
  attr_name: string;
  attr_value: string;
}

export interface IotThingTypesTable {
  thing_type_name: string;
  thing_type_id: string;
  description: string | null;
  /** JSON array of attribute names. */
  searchable_attributes: string;
  deprecated: number;
  deprecated_at: number | null;
  created_at: number;
}

export interface IotThingGroupsTable {
  group_name: string;
  group_id: string;
  parent_name: string | null;
  /** The top ancestor's name (the group's own name for a root group). */
  root_name: string;
  /** 1 for a root group. */
  depth: number;
  description: string | null;
  /** JSON object of attributes. */
  attributes: string;
  version: number;
  created_at: number;
  modified_at: number;
  /** A dynamic group's fleet-indexing query; null for a static group. */
  query_string: string | null;
  query_version: string | null;
  index_name: string | null;
  /** A dynamic group's BUILDING | REBUILDING | ACTIVE; null for a static group. */
  dynamic_status: string | null;
  /** While a dynamic group's whole-fleet evaluation is to do: since when (null once ACTIVE). */
  build_due: number | null;
  /** The node evaluating it, and until when its lease holds. */
  build_owner: string | null;
  build_lease_until: number | null;
  /** The last thing (name order) the evaluation has done; null: none yet. */
  build_after: string | null;
}

export interface IotThingGroupMembersTable {
  group_name: string;
  thing_name: string;
  added_at: number;
}

export interface IotCertificatesTable {
  /** Lowercase hex SHA-256 of the DER. */
  certificate_id: string;
  certificate_pem: string;
  /** ACTIVE | INACTIVE | REVOKED | PENDING_TRANSFER | REGISTER_INACTIVE | PENDING_ACTIVATION */
  status: string;
  /** The registered CA that issued it (RegisterCertificate), else null. */
  ca_certificate_id: string | null;
  /** DEFAULT | SNI_ONLY */
  certificate_mode: string;
  not_before: number;
  not_after: number;
  created_at: number;
  modified_at: number;
  generation_id: string;
  customer_version: number;
}

export interface IotCaCertificatesTable {
  certificate_id: string;
  certificate_pem: string;
  /** ACTIVE | INACTIVE */
  status: string;
  /** ENABLE | DISABLE */
  auto_registration: string;
  /** JSON RegistrationConfig, or null. */
  registration_config: string | null;
  certificate_mode: string;
  not_before: number;
  not_after: number;
  created_at: number;
  modified_at: number;
  generation_id: string;
  customer_version: number;
}

export interface IotThingPrincipalsTable {
  thing_name: string;
  /** The principal's ARN (a certificate ARN). */
  principal: string;
  /** EXCLUSIVE_THING | NON_EXCLUSIVE_THING */
  principal_type: string;
  attached_at: number;
}

export interface IotPoliciesTable {
  policy_name: string;
  default_version_id: number;
  /** The id the next CreatePolicyVersion takes (ids are never reused). */
  next_version_id: number;
  created_at: number;
  modified_at: number;
  generation_id: string;
}

export interface IotPolicyVersionsTable {
  policy_name: string;
  version_id: number;
  document: string;
  created_at: number;
}

export interface IotPolicyTargetsTable {
  policy_name: string;
  /** A certificate or thing-group ARN. */
  target: string;
  attached_at: number;
}

export interface IotTagsTable {
  resource_arn: string;
  tag_key: string;
  tag_value: string;
}

/**
 * A certificate being replaced (`ferry thing create --rotate`): the old one
 * stays ACTIVE until the new one is first used or `retire_at` passes, then it
 * is deactivated and detached from the thing. Ferry's own table (no AWS API).
 */
export interface IotCertificateRotationsTable {
  /** The certificate to retire (one pending rotation per certificate). */
  old_certificate_id: string;
  new_certificate_id: string;
  thing_name: string;
  requested_at: number;
  /** When the old certificate is retired: the grace deadline, moved to the new certificate's first use. */
  retire_at: number;
  /** The new certificate's first MQTT connect or HTTPS use, once seen. */
  new_seen_at: number | null;
  /** The node retiring it now, and until when (the leased-timer pattern of job_executions). */
  timer_owner: string | null;
  timer_lease_until: number | null;
}

export interface RegistryTables {
  iot_things: IotThingsTable;
  iot_thing_attributes: IotThingAttributesTable;
  iot_thing_types: IotThingTypesTable;
  iot_thing_groups: IotThingGroupsTable;
  iot_thing_group_members: IotThingGroupMembersTable;
  iot_certificates: IotCertificatesTable;
  iot_ca_certificates: IotCaCertificatesTable;
  iot_thing_principals: IotThingPrincipalsTable;
  iot_policies: IotPoliciesTable;
  iot_policy_versions: IotPolicyVersionsTable;
  iot_policy_targets: IotPolicyTargetsTable;
  iot_tags: IotTagsTable;
  iot_certificate_rotations: IotCertificateRotationsTable;
}
