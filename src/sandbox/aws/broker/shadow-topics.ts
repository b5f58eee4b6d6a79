import { CLASSIC_SHADOW } from '../estate.js';

/**
 * The reserved Device Shadow topics of AWS IoT Core:
 * `$aws/things/{thingName}/shadow[/name/{shadowName}]/{operation}[/{response}]`.
 */
export type ShadowOperation = 'get' | 'update' | 'delete';

export type ShadowResponse =
  | 'get/accepted'
  | 'get/rejected'
  | 'update/accepted'
  | 'update/rejected'
  | 'update/delta'
  | 'update/documents'
  | 'delete/accepted'
  | 'delete/rejected';

export interface ShadowRequestTopic {
  thingName: string;
  /** CLASSIC_SHADOW ('') for the classic shadow. */
  shadowName: string;
  operation: ShadowOperation;
}

const OPERATIONS: readonly string[] = ['get', 'update', 'delete'] satisfies ShadowOperation[];
// AWS's patterns for thing and shadow names; anything else can never name a shadow.
const THING_NAME = /^[a-zA-Z0-9:_-]{1,128}$/;
const SHADOW_NAME = /^[a-zA-Z0-9:_-]{1,64}$/;

/** True for every topic in the shadow namespace, requests and responses alike. */
export function isShadowTopic(topic: string): boolean {
  const levels = topic.split('/');
  return levels[0] === '$aws' && levels[1] === 'things' && levels[3] === 'shadow';
}

/** The request a device publishes, or undefined for any other topic (responses included). */
export function parseShadowRequestTopic(topic: string): ShadowRequestTopic | undefined {
  if (!topic.startsWith('$aws/things/')) return undefined;
  const levels = topic.split('/');
  const thingName = levels[2]!;
  if (levels[3] !== 'shadow' || !THING_NAME.test(thingName)) return undefined;
  const rest = levels.slice(4);
  if (rest.length === 1) return asRequest(thingName, CLASSIC_SHADOW, rest[0]!);
  if (rest.length === 3 && rest[0] === 'name' && SHADOW_NAME.test(rest[1]!)) return asRequest(thingName, rest[1]!, rest[2]!);
  return undefined;
}

export function shadowResponseTopic(request: Pick<ShadowRequestTopic, 'thingName' | 'shadowName'>, response: ShadowResponse): string {
  const named = request.shadowName === CLASSIC_SHADOW ? '' : `/name/${request.shadowName}`;
  return `$aws/things/${request.thingName}/shadow${named}/${response}`;
}

function asRequest(thingName: string, shadowName: string, operation: string): ShadowRequestTopic | undefined {
  return isOperation(operation) ? { thingName, shadowName, operation } : undefined;
}

const isOperation = (value: string): value is ShadowOperation => OPERATIONS.includes(value);
