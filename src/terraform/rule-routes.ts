import type { TopicRule } from '../manifest/schema.js';
import { parseRuleSql, type ParsedRuleSql } from './aws-iot-sql.js';
import { routingName } from './azure-names.js';
import { destinationOf, type Destination } from './rule-destinations.js';
import { topicFilterCondition, whereCondition } from './route-condition.js';

/**
 * Topic rules → IoT Hub routing endpoints and routes, as data. One route per rule
 * action (a route has exactly one endpoint), one endpoint per distinct destination.
 * Every action ends up either routed (exactly, or approximately with the differences
 * listed) or untranslatable with the reason: none is dropped without a word.
 */

/** IoT Hub limits: custom endpoints and routes per hub (the built-in route takes one). */
export const MAX_CUSTOM_ENDPOINTS = 10;
export const MAX_ROUTES = 100;

export type RouteSource = 'DeviceMessages' | 'TwinChangeEvents' | 'DeviceConnectionStateEvents' | 'DeviceLifecycleEvents';

export interface RoutingEndpoint {
  name: string;
  destination: Destination;
}

export interface PlannedRoute {
  name: string;
  source: RouteSource;
  condition: string;
  endpointName: string;
  enabled: boolean;
}

export type ActionTranslation =
  | {
      index: number;
      type: string;
      status: 'translated' | 'approximate';
      route: string;
      endpoint: string;
      condition: string;
      /** Where the Azure behaviour differs from AWS; any makes the status approximate. */
      differences: string[];
      /** Manual steps outside the hub (consumers, functions) the route relies on. */
      followUps: string[];
    }
  | { index: number; type: string; status: 'untranslatable'; reason: string };

export interface RuleTranslation {
  ruleName: string;
  enabled: boolean;
  sql: string;
  actions: ActionTranslation[];
  /** The rule's error action, which IoT Hub has no equivalent for; null when none. */
  errorAction: { type: string; reason: string } | null;
}

export interface RoutingPlan {
  endpoints: RoutingEndpoint[];
  routes: PlannedRoute[];
  rules: RuleTranslation[];
  /** Routes that read the message body only evaluate JSON sent with content type and encoding set. */
  readsBody: boolean;
}

/** The route that keeps every device message on the built-in endpoint, as MQTT subscribers had them. */
export const BUILT_IN_ROUTE_NAME = 'all-device-messages';

const ERROR_ACTION_REASON =
  'IoT Hub has no per-route error action: it retries a failing endpoint and then drops the message; watch the routes category of the hub resource logs instead';

export function translateTopicRules(rules: readonly TopicRule[]): RoutingPlan {
  const endpoints = new Map<string, RoutingEndpoint>();
  const routes: PlannedRoute[] = [];
  const translations = new Map<string, RuleTranslation>();
  let readsBody = false;

  // Enabled rules claim the limited endpoint and route slots first.
  const ordered = [...rules].sort((a, b) => Number(b.enabled) - Number(a.enabled) || compare(a.ruleName, b.ruleName));
  for (const rule of ordered) {
    const parsed = parseRuleSql(rule.sql);
    const filter = parsed.ok ? conditionOf(parsed.sql) : ({ ok: false, reason: `the SQL cannot be read: ${parsed.error}` } as const);
    const actions = rule.actions.map((action, index): ActionTranslation => {
      const untranslatable = (reason: string): ActionTranslation => ({ index, type: action.type, status: 'untranslatable', reason });
      if (!filter.ok) return untranslatable(filter.reason);
      const target = destinationOf(action.type, action.config);
      if (!target.ok) return untranslatable(target.reason);
      const endpointName = endpointNameOf(target.destination);
      if (!endpoints.has(endpointName)) {
        if (endpoints.size >= MAX_CUSTOM_ENDPOINTS) {
          return untranslatable(
            `IoT Hub allows ${MAX_CUSTOM_ENDPOINTS} custom endpoints and the rules already use them all; merge destinations or use a second hub`,
          );
        }
      }
      if (routes.length >= MAX_ROUTES - 1) {
        return untranslatable(`IoT Hub allows ${MAX_ROUTES} routes and the rules already use them all`);
      }
      endpoints.set(endpointName, { name: endpointName, destination: target.destination });
      const route: PlannedRoute = {
        name: routingName(rule.actions.length === 1 ? rule.ruleName : `${rule.ruleName}-${index + 1}`),
        source: filter.source,
        condition: filter.condition,
        endpointName,
        enabled: rule.enabled,
      };
      routes.push(route);
      readsBody ||= filter.readsBody;
      const differences = [...filter.differences, ...target.differences];
      return {
        index,
        type: action.type,
        status: differences.length === 0 ? 'translated' : 'approximate',
        route: route.name,
        endpoint: endpointName,
        condition: route.condition,
        differences,
        followUps: [...filter.followUps, ...target.followUps],
      };
    });
    translations.set(rule.ruleName, {
      ruleName: rule.ruleName,
      enabled: rule.enabled,
      sql: rule.sql,
      actions,
      errorAction: rule.errorAction ? { type: rule.errorAction.type, reason: ERROR_ACTION_REASON } : null,
    });
  }
  return {
    endpoints: [...endpoints.values()].sort((a, b) => compare(a.name, b.name)),
    routes: routes.sort((a, b) => compare(a.name, b.name)),
    rules: rules.map((rule) => translations.get(rule.ruleName)!),
    readsBody,
  };
}

type RuleCondition =
  | { ok: true; source: RouteSource; condition: string; differences: string[]; followUps: string[]; readsBody: boolean }
  | { ok: false; reason: string };

function conditionOf(sql: ParsedRuleSql): RuleCondition {
  const differences: string[] = [];
  if (sql.select !== '*') {
    differences.push(`the SELECT list (${sql.select}) is not applied: a route forwards the whole message, so its consumer picks the fields`);
  }
  if (sql.topicFilter.startsWith('$aws/')) {
    const source = reservedTopicSource(sql.topicFilter);
    if (!source) return { ok: false, reason: `the AWS reserved topic ${sql.topicFilter} has no IoT Hub routing source` };
    if (sql.where) {
      return { ok: false, reason: `the WHERE clause reads the AWS event document, which IoT Hub's ${source.source} events do not share` };
    }
    return { ok: true, source: source.source, condition: 'true', differences: [...differences, source.difference], followUps: [], readsBody: false };
  }
  const topic = topicFilterCondition(sql.topicFilter);
  if (!topic.ok) return topic;
  differences.push(...topic.notes);
  if (!sql.where) {
    return { ok: true, source: 'DeviceMessages', condition: topic.condition, differences, followUps: [], readsBody: false };
  }
  const where = whereCondition(sql.where);
  if (!where.ok) return { ok: false, reason: `the WHERE clause cannot be expressed: ${where.reason}` };
  return {
    ok: true,
    source: 'DeviceMessages',
    condition: topic.condition === 'true' ? where.condition : `${topic.condition} AND ${where.condition}`,
    differences,
    followUps: where.readsBody
      ? ['the condition reads the message body, which IoT Hub evaluates only for JSON sent with content type application/json and UTF-8 encoding']
      : [],
    readsBody: where.readsBody,
  };
}

/** AWS reserved topics whose events IoT Hub raises itself, as other route sources. */
function reservedTopicSource(filter: string): { source: RouteSource; difference: string } | undefined {
  if (/^\$aws\/things\/[^/]+\/shadow\/(name\/[^/]+\/)?update\/(accepted|documents|delta)$/.test(filter)) {
    return {
      source: 'TwinChangeEvents',
      difference: 'twin change events carry the changed twin properties, not the AWS shadow document, and may coalesce several changes',
    };
  }
  if (/^\$aws\/events\/presence\/(connected|disconnected|\+|#)(\/[^/]+)?$/.test(filter)) {
    return { source: 'DeviceConnectionStateEvents', difference: 'connection state events have IoT Hub\u2019s event schema, not AWS\u2019s presence document' };
  }
  if (/^\$aws\/events\/thing\/[^/]+\/(created|deleted|\+|#)$/.test(filter)) {
    return { source: 'DeviceLifecycleEvents', difference: 'lifecycle events report device identities created or deleted, in IoT Hub\u2019s event schema' };
  }
  return undefined;
}

function endpointNameOf(destination: Destination): string {
  switch (destination.kind) {
    case 'event-hub':
      return routingName(`eventhub-${destination.eventHubName}`);
    case 'service-bus-queue':
      return routingName(`queue-${destination.queueName}`);
    case 'service-bus-topic':
      return routingName(`topic-${destination.topicName}`);
    case 'storage-container':
      return routingName(`storage-${destination.containerName}`);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
