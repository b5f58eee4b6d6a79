import { describe, expect, it } from 'vitest';
import { parseRuleSql } from './aws-iot-sql.js';
import { MQTT_TOPIC_PROPERTY, quoteRoutingString, topicFilterCondition, whereCondition } from './route-condition.js';

function where(sql: string) {
  const parsed = parseRuleSql(`SELECT * FROM 't' WHERE ${sql}`);
  if (!parsed.ok || !parsed.sql.where) throw new Error(`test SQL does not parse: ${sql}`);
  return whereCondition(parsed.sql.where);
}

describe('topicFilterCondition', () => {
  it('uses the mqtt-topic property agreed with the codemod', () => {
    expect(MQTT_TOPIC_PROPERTY).toBe('mqtt-topic');
  });

  it.each([
    ['dt/thermostat/t1/telemetry', "mqtt-topic = 'dt/thermostat/t1/telemetry'"],
    ['#', 'true'],
    ['logs/gateway/#', "(mqtt-topic = 'logs/gateway' OR STARTS_WITH(mqtt-topic, 'logs/gateway/'))"],
    ['+', "NOT CONTAINS(mqtt-topic, '/')"],
    ["it's/here", "mqtt-topic = 'it\\'s/here'"],
  ])('translates %s exactly', (filter, condition) => {
    expect(topicFilterCondition(filter)).toEqual({ ok: true, condition, exact: true, notes: [], readsBody: false });
  });

  it.each([
    ['dt/thermostat/+/telemetry', "STARTS_WITH(mqtt-topic, 'dt/thermostat/') AND ENDS_WITH(mqtt-topic, '/telemetry')"],
    ['dt/+/+/telemetry', "STARTS_WITH(mqtt-topic, 'dt/') AND ENDS_WITH(mqtt-topic, '/telemetry')"],
    ['a/+/b/c/+/d', "STARTS_WITH(mqtt-topic, 'a/') AND CONTAINS(mqtt-topic, '/b/c/') AND ENDS_WITH(mqtt-topic, '/d')"],
    ['+/status', "ENDS_WITH(mqtt-topic, '/status')"],
    ['a/+', "STARTS_WITH(mqtt-topic, 'a/')"],
    ['a/+/b/#', "STARTS_WITH(mqtt-topic, 'a/') AND (ENDS_WITH(mqtt-topic, '/b') OR CONTAINS(mqtt-topic, '/b/'))"],
    ['+/+', 'IS_DEFINED(mqtt-topic)'],
  ])('approximates %s and says so', (filter, condition) => {
    const result = topicFilterCondition(filter);
    expect(result).toMatchObject({ ok: true, condition, exact: false });
    expect(result.ok && result.notes[0]).toContain('approximate topic match');
  });

  it.each(['a/#/b', 'a/b#', 'a/+b', ''])('refuses the invalid filter %j', (filter) => {
    expect(topicFilterCondition(filter).ok).toBe(false);
  });
});

describe('whereCondition', () => {
  it('reads fields from the JSON body and keeps literals typed', () => {
    expect(where("temperature > 30.5 AND state.mode = 'eco' AND armed = true")).toEqual({
      ok: true,
      condition: "((($body.temperature > 30.5) AND ($body.state.mode = 'eco')) AND ($body.armed = true))",
      exact: true,
      notes: [],
      readsBody: true,
    });
  });

  it('maps AWS functions to their routing counterparts', () => {
    const result = where("startswith(lower(model), 'th') AND isUndefined(error) AND mod(count, 2) = 0 AND clientid() <> topic()");
    expect(result).toMatchObject({
      ok: true,
      condition:
        "(((STARTS_WITH(LOWER($body.model), 'th') AND NOT IS_DEFINED($body.error)) AND (($body.count % 2) = 0)) AND ($connectionDeviceId <> mqtt-topic))",
    });
  });

  it('does not read the body for conditions on the device or topic only', () => {
    expect(where("clientid() = 'd1'")).toMatchObject({ ok: true, readsBody: false });
  });

  it.each([
    ["topic(2) = 'gateway'", 'topic(n) selects one level'],
    ['timestamp() > 5', 'timestamp() has no IoT Hub routing query equivalent'],
    ['abs(a, b) > 1', 'abs() takes 1 argument(s), the rule passes 2'],
    ["get_thing_shadow('x', 'role') = 1", 'get_thing_shadow() has no'],
  ])('reports %s as not expressible', (sql, reason) => {
    const result = where(sql);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(reason);
  });
});

describe('quoteRoutingString', () => {
  it('escapes quotes and backslashes', () => {
    expect(quoteRoutingString("a'b\\c")).toBe("'a\\'b\\\\c'");
  });
});
