import type { IncomingHttpHeaders } from 'node:http';
import { invalidRequest } from './aws-error.js';

/** A request as handlers see it: path labels decoded, the body read in full. */
export interface ControlPlaneRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** AWS's wording for a member that fails its model constraint, so messages read as they do against AWS. */
export function constraintViolation(value: string, member: string, constraint: string) {
  return invalidRequest(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${constraint}`);
}

/** The page size most list operations use when the caller names none. */
const DEFAULT_PAGE_SIZE = 50;

/**
 * A page-size parameter (`maxResults`, `pageSize`), validated against the operation's
 * range with AWS's own wording, so a caller that asks for too much fails here as it
 * would against AWS rather than being quietly capped.
 */
export function pageSizeParam(request: ControlPlaneRequest, name: string, max: number): number {
  const raw = request.query.get(name);
  if (raw === null || raw === '') return Math.min(DEFAULT_PAGE_SIZE, max);
  const value = Number(raw);
  if (!Number.isInteger(value)) throw invalidRequest(`Value '${raw}' at '${name}' is not a valid integer`);
  if (value < 1) throw constraintViolation(raw, name, 'Member must have value greater than or equal to 1');
  if (value > max) throw constraintViolation(raw, name, `Member must have value less than or equal to ${max}`);
  return value;
}

/** A query parameter that is absent when empty: the SDK omits unset members, and an empty token means none. */
export function optionalParam(request: ControlPlaneRequest, name: string): string | undefined {
  const value = request.query.get(name);
  return value === null || value === '' ? undefined : value;
}

/** A query parameter restricted to an enum. */
export function enumParam<T extends string>(request: ControlPlaneRequest, name: string, allowed: readonly T[]): T | undefined {
  const value = optionalParam(request, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw constraintViolation(value, name, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return value as T | undefined;
}

export function booleanParam(request: ControlPlaneRequest, name: string): boolean | undefined {
  const raw = optionalParam(request, name);
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw invalidRequest(`Value '${raw}' at '${name}' is not a valid boolean`);
}

/** The JSON body of a create or update call; an absent body is an empty object, as the SDK sends no body for a request with no members. */
export function jsonBody(request: ControlPlaneRequest): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch {
    throw invalidRequest('The request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidRequest('The request body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/** A string member of a JSON body; `required` members missing or of the wrong type are InvalidRequestException. */
export function stringMember(body: Record<string, unknown>, name: string, options: { required: true }): string;
export function stringMember(body: Record<string, unknown>, name: string, options?: { required?: false }): string | undefined;
export function stringMember(body: Record<string, unknown>, name: string, options: { required?: boolean } = {}): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (options.required) throw constraintViolation('null', name, 'Member must not be null');
    return undefined;
  }
  if (typeof value !== 'string') throw invalidRequest(`Value at '${name}' must be a string`);
  return value;
}

/** A string-to-string map member (`attributes`); values that are not strings are refused as AWS refuses them. */
export function attributesMember(value: unknown, name: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Value at '${name}' must be a map of strings`);
  const attributes: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw invalidRequest(`Value at '${name}.${key}' must be a string`);
    attributes[key] = entry;
  }
  return attributes;
}

// AWS's pattern for thing, thing type and thing group names.
const RESOURCE_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;

export function validateResourceName(value: string, member: string): string {
  if (!RESOURCE_NAME.test(value)) throw constraintViolation(value, member, 'Member must satisfy regular expression pattern: [a-zA-Z0-9:_-]+');
  return value;
}

/** Whether two attribute maps hold the same entries, in any order (idempotent creates compare them). */
export function sameAttributes(left: Record<string, string>, right: Record<string, string>): boolean {
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => left[key] === right[key]);
}
