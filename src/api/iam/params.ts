import { requiredString, optionalString, integerIn, ARN, MARKER, PATH_PREFIX, POLICY_NAME, ROLE_NAME, validTags, type StringRule, type Tag } from '../../iam/validate.js';
import type { PageRequest } from '../../iam/paging.js';

/**
 * Reading aws-query form parameters with IAM's constraints. Field names in
 * messages are the model's member names in camelCase, as AWS prints them.
 */
export type Params = Record<string, string>;

const field = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

export const required = (params: Params, member: string, rule: StringRule): string => requiredString(params[member], field(member), rule);
export const optional = (params: Params, member: string, rule: StringRule): string | undefined => optionalString(params[member], field(member), rule);

/** `Tags.member.N.Key` / `Tags.member.N.Value`. */
export function tags(params: Params, member = 'Tags'): Tag[] {
  const out: Tag[] = [];
  for (let i = 1; params[`${member}.member.${i}.Key`] !== undefined; i++) {
    out.push({ Key: params[`${member}.member.${i}.Key`]!, Value: params[`${member}.member.${i}.Value`] ?? '' });
  }
  return validTags(out);
}

/** Marker and MaxItems (1–1000) of IAM's list operations. */
export function page(params: Params): PageRequest {
  return { marker: optional(params, 'Marker', MARKER), maxItems: integerIn(params.MaxItems, 'maxItems', 1, 1000) };
}

export const pathPrefix = (params: Params): string | undefined => optional(params, 'PathPrefix', PATH_PREFIX);

/** The parameters most actions name their resource by. */
export const roleName = (params: Params): string => required(params, 'RoleName', ROLE_NAME);
export const policyName = (params: Params): string => required(params, 'PolicyName', POLICY_NAME);
export const policyArn = (params: Params): string => required(params, 'PolicyArn', ARN);
