import { assertNever } from '../assert-never.js';
import type { SqlExpression } from './aws-iot-sql.js';

/**
 * The application property that carries a message's original AWS MQTT topic on Azure.
 * IoT Hub has one device-to-cloud topic per device, so the topic a rule filtered on
 * would be lost; the rewritten firmware (the codemod) stamps it on every message under
 * this name and the routes below filter on it. Shared contract: change both or neither.
 */
export const MQTT_TOPIC_PROPERTY = 'mqtt-topic';

export type ConditionResult =
  | { ok: true; condition: string; exact: boolean; notes: string[]; readsBody: boolean }
  | { ok: false; reason: string };

/**
 * An MQTT topic filter as an IoT Hub routing condition over MQTT_TOPIC_PROPERTY.
 * Filters without `+` translate exactly. Routing queries have no way to split a string
 * into levels, so `+` is approximated by checking the literal parts around it (prefix,
 * suffix, the runs in between): a topic with extra levels in place of a `+` matches
 * too. The result says so; it never narrows what AWS would have matched.
 */
export function topicFilterCondition(filter: string): ConditionResult {
  const levels = filter.split('/');
  if (filter === '') return { ok: false, reason: 'the rule has an empty topic filter' };
  for (const [index, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      return { ok: false, reason: `"${filter}" is not a valid MQTT topic filter: # must be the whole last level` };
    }
    if (level.includes('+') && level !== '+') {
      return { ok: false, reason: `"${filter}" is not a valid MQTT topic filter: + must be a whole level` };
    }
  }
  const topic = MQTT_TOPIC_PROPERTY;
  const multiLevel = levels.at(-1) === '#';
  const body = multiLevel ? levels.slice(0, -1) : levels;
  const plusAt = body.flatMap((level, index) => (level === '+' ? [index] : []));

  if (plusAt.length === 0) {
    const literal = body.join('/');
    if (!multiLevel) return exact(`${topic} = ${quoteRoutingString(literal)}`);
    if (body.length === 0) return exact('true');
    return exact(`(${topic} = ${quoteRoutingString(literal)} OR STARTS_WITH(${topic}, ${quoteRoutingString(`${literal}/`)}))`);
  }

  const clauses: string[] = [];
  const first = plusAt[0]!;
  const last = plusAt.at(-1)!;
  if (first > 0) clauses.push(`STARTS_WITH(${topic}, ${quoteRoutingString(`${body.slice(0, first).join('/')}/`)})`);
  for (let index = 0; index < plusAt.length - 1; index += 1) {
    const run = body.slice(plusAt[index]! + 1, plusAt[index + 1]!);
    if (run.length > 0) clauses.push(`CONTAINS(${topic}, ${quoteRoutingString(`/${run.join('/')}/`)})`);
  }
  const tail = body.slice(last + 1);
  if (tail.length > 0) {
    const suffix = quoteRoutingString(`/${tail.join('/')}`);
    clauses.push(
      multiLevel
        ? `(ENDS_WITH(${topic}, ${suffix}) OR CONTAINS(${topic}, ${quoteRoutingString(`/${tail.join('/')}/`)}))`
        : `ENDS_WITH(${topic}, ${suffix})`,
    );
  }
  if (clauses.length === 0) {
    if (filter === '+') return exact(`NOT CONTAINS(${topic}, '/')`);
    clauses.push(`IS_DEFINED(${topic})`);
  }
  return {
    ok: true,
    condition: clauses.join(' AND '),
    exact: false,
    readsBody: false,
    notes: [
      `approximate topic match: + stands for exactly one level on AWS, but a routing query cannot count levels, so topics with more levels in place of a + match "${filter}" too`,
    ],
  };
}

function exact(condition: string): ConditionResult {
  return { ok: true, condition, exact: true, notes: [], readsBody: false };
}

type Rendered = { ok: true; text: string; readsBody: boolean } | { ok: false; reason: string };

/** A rule's WHERE clause as a routing condition: fields are read from the JSON body. */
export function whereCondition(expression: SqlExpression): ConditionResult {
  const rendered = render(expression);
  if (!rendered.ok) return rendered;
  return { ok: true, condition: rendered.text, exact: true, notes: [], readsBody: rendered.readsBody };
}

function render(expression: SqlExpression): Rendered {
  switch (expression.kind) {
    case 'literal':
      return { ok: true, text: renderLiteral(expression.value), readsBody: false };
    case 'path':
      return { ok: true, text: `$body.${expression.segments.join('.')}`, readsBody: true };
    case 'not': {
      const operand = render(expression.operand);
      return operand.ok ? { ...operand, text: `NOT (${operand.text})` } : operand;
    }
    case 'negate': {
      const operand = render(expression.operand);
      return operand.ok ? { ...operand, text: `-(${operand.text})` } : operand;
    }
    case 'binary': {
      const left = render(expression.left);
      if (!left.ok) return left;
      const right = render(expression.right);
      if (!right.ok) return right;
      return {
        ok: true,
        text: `(${left.text} ${expression.operator} ${right.text})`,
        readsBody: left.readsBody || right.readsBody,
      };
    }
    case 'call':
      return renderCall(expression.name, expression.args);
    default:
      return assertNever(expression);
  }
}

interface FunctionTranslation {
  arity: number | 'variadic';
  render: (args: string[]) => string;
}

const routingFunction = (name: string): FunctionTranslation['render'] => (args) => `${name}(${args.join(', ')})`;

/** AWS IoT SQL functions with an exact IoT Hub routing counterpart, by lower-case name. */
const FUNCTIONS: Record<string, FunctionTranslation> = {
  abs: { arity: 1, render: routingFunction('ABS') },
  ceil: { arity: 1, render: routingFunction('CEILING') },
  floor: { arity: 1, render: routingFunction('FLOOR') },
  power: { arity: 2, render: routingFunction('POWER') },
  sign: { arity: 1, render: routingFunction('SIGN') },
  sqrt: { arity: 1, render: routingFunction('SQRT') },
  exp: { arity: 1, render: routingFunction('EXP') },
  mod: { arity: 2, render: ([a, b]) => `(${a} % ${b})` },
  lower: { arity: 1, render: routingFunction('LOWER') },
  upper: { arity: 1, render: routingFunction('UPPER') },
  length: { arity: 1, render: routingFunction('LENGTH') },
  concat: { arity: 'variadic', render: routingFunction('CONCAT') },
  startswith: { arity: 2, render: routingFunction('STARTS_WITH') },
  endswith: { arity: 2, render: routingFunction('ENDS_WITH') },
  indexof: { arity: 2, render: routingFunction('INDEX_OF') },
  isnull: { arity: 1, render: routingFunction('IS_NULL') },
  isundefined: { arity: 1, render: ([a]) => `NOT IS_DEFINED(${a})` },
  // The Azure device ID is the AWS client ID (see identities), so this is exact.
  clientid: { arity: 0, render: () => '$connectionDeviceId' },
};

function renderCall(name: string, args: SqlExpression[]): Rendered {
  const lower = name.toLowerCase();
  if (lower === 'topic') {
    if (args.length === 0) return { ok: true, text: MQTT_TOPIC_PROPERTY, readsBody: false };
    return {
      ok: false,
      reason: `topic(n) selects one level of the topic, and routing queries cannot split strings; filter on the whole topic (${MQTT_TOPIC_PROPERTY}) instead`,
    };
  }
  const translation = FUNCTIONS[lower];
  if (!translation) return { ok: false, reason: `${name}() has no IoT Hub routing query equivalent` };
  if (translation.arity !== 'variadic' && translation.arity !== args.length) {
    return { ok: false, reason: `${name}() takes ${translation.arity} argument(s), the rule passes ${args.length}` };
  }
  const rendered: string[] = [];
  let readsBody = false;
  for (const arg of args) {
    const result = render(arg);
    if (!result.ok) return result;
    rendered.push(result.text);
    readsBody ||= result.readsBody;
  }
  return { ok: true, text: translation.render(rendered), readsBody };
}

function renderLiteral(value: string | number | boolean | null): string {
  if (typeof value === 'string') return quoteRoutingString(value);
  return String(value);
}

/** Single-quoted routing query string; the query language escapes with backslashes. */
export function quoteRoutingString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
