/** S3's Signature Version 2 (HMAC-SHA1), header or presigned query. */
export interface ParsedSigV2 {
  mode: 'header' | 'query';
  accessKeyId: string;
  /** Base64, as sent. */
  signature: string;
  /** Header mode: x-amz-date, else Date, epoch ms. */
  requestTimeMs?: number;
  /** Query mode: the absolute `Expires`, epoch seconds, as sent. */
  expires?: string;
  /** x-amz-security-token (header, or query parameter when presigned). */
  securityToken?: string;
}
