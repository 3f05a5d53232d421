/**
 * The audit log: one row per authenticated operator request, after it was
 * decided. Field names follow CloudTrail's LookupEvents record. Never a
 * secret, a session token or a signature.
 */
export interface AuditEventsTable {
  event_id: string;
  event_time: number;
  /** e.g. iot.amazonaws.com, s3.amazonaws.com */
  event_source: string;
  /** The operation, e.g. CreateJob, GetObject, AssumeRole. */
  event_name: string;
  read_only: number;
  /** CloudTrail userIdentity.type: Root, IAMUser, AssumedRole. */
  user_type: string;
  user_arn: string;
  username: string | null;
  access_key_id: string | null;
  source_ip: string | null;
  user_agent: string | null;
  request_id: string;
  /** JSON array of {"ResourceType","ResourceName"}. */
  resources: string;
  /** 'Allowed' | 'ExplicitDeny' | 'ImplicitDeny' */
  decision: string;
  /** Which statement decided, e.g. "bucket policy Statement[1] (Sid DenyAll)"; null when none matched. */
  decided_by: string | null;
  error_code: string | null;
  error_message: string | null;
  status: number;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
}
