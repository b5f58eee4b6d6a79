import { describe, expect, it } from 'vitest';
import { topicRule } from '../plan/manifest.fixture.js';
import { MAX_CUSTOM_ENDPOINTS, translateTopicRules, type ActionTranslation } from './rule-routes.js';

function routed(action: ActionTranslation | undefined) {
  if (!action || action.status === 'untranslatable') throw new Error(`expected a routed action, got ${JSON.stringify(action)}`);
  return action;
}

const queue = (name: string) => ({ type: 'sqs', config: { queueUrl: `https://sqs.eu-west-1.amazonaws.com/123456789012/${name}` } });

describe('translateTopicRules', () => {
  it('maps each routable action to its Azure counterpart', () => {
    const plan = translateTopicRules([
      topicRule('to_kinesis', "SELECT * FROM 'dt/a'", [{ type: 'kinesis', config: { streamName: 'telemetry' } }]),
      topicRule('to_firehose', "SELECT * FROM 'dt/b'", [{ type: 'firehose', config: { deliveryStreamName: 'archive' } }]),
      topicRule('to_s3', "SELECT * FROM 'dt/c'", [{ type: 's3', config: { bucketName: 'raw.bucket', key: '${topic()}' } }]),
      topicRule('to_sqs', "SELECT * FROM 'dt/d'", [queue('alerts.fifo')]),
      topicRule('to_sns', "SELECT * FROM 'dt/e'", [{ type: 'sns', config: { targetArn: 'arn:aws:sns:eu-west-1:123456789012:pager' } }]),
      topicRule('to_lambda', "SELECT * FROM 'dt/f'", [
        { type: 'lambda', config: { functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:notify:live' } },
      ]),
    ]);
    expect(plan.endpoints.map((endpoint) => [endpoint.name, endpoint.destination.kind])).toEqual([
      ['eventhub-archive', 'event-hub'],
      ['eventhub-function-notify', 'event-hub'],
      ['eventhub-telemetry', 'event-hub'],
      ['queue-alerts.fifo', 'service-bus-queue'],
      ['storage-raw-bucket', 'storage-container'],
      ['topic-pager', 'service-bus-topic'],
    ]);
    expect(plan.routes.map((route) => [route.name, route.endpointName, route.condition])).toEqual([
      ['to_firehose', 'eventhub-archive', "mqtt-topic = 'dt/b'"],
      ['to_kinesis', 'eventhub-telemetry', "mqtt-topic = 'dt/a'"],
      ['to_lambda', 'eventhub-function-notify', "mqtt-topic = 'dt/f'"],
      ['to_s3', 'storage-raw-bucket', "mqtt-topic = 'dt/c'"],
      ['to_sns', 'topic-pager', "mqtt-topic = 'dt/e'"],
      ['to_sqs', 'queue-alerts.fifo', "mqtt-topic = 'dt/d'"],
    ]);
    const action = (ruleName: string) => plan.rules.find((rule) => rule.ruleName === ruleName)!.actions[0]!;
    expect(action('to_kinesis')).toMatchObject({ status: 'translated', differences: [] });
    expect(action('to_lambda')).toMatchObject({ status: 'translated' });
    expect(routed(action('to_lambda')).followUps[0]).toContain('Azure Function');
    expect(action('to_s3')).toMatchObject({ status: 'approximate' });
    expect(routed(action('to_sqs')).differences[0]).toContain('sessions');
  });

  it('reports republish, DynamoDB and services without an endpoint as untranslatable, with the reason', () => {
    const plan = translateTopicRules([
      topicRule('mirror', "SELECT * FROM 'cmd/#'", [{ type: 'republish', config: { topic: 'audit/x' } }]),
      topicRule('store', "SELECT * FROM 'dt/#'", [{ type: 'dynamoDBv2', config: { putItem: { tableName: 'readings' } } }]),
      topicRule('legacy_store', "SELECT * FROM 'dt/#'", [{ type: 'dynamoDB', config: { tableName: 'old' } }]),
      topicRule('hook', "SELECT * FROM 'dt/#'", [{ type: 'http', config: { url: 'https://example.com' } }]),
    ]);
    expect(plan.routes).toEqual([]);
    expect(plan.endpoints).toEqual([]);
    const reasons = Object.fromEntries(
      plan.rules.map((rule) => [rule.ruleName, rule.actions[0]!.status === 'untranslatable' ? rule.actions[0]!.reason : '']),
    );
    expect(reasons.mirror).toContain('never back to device topics');
    expect(reasons.store).toContain('readings');
    expect(reasons.store).toContain('Cosmos DB');
    expect(reasons.legacy_store).toContain('old');
    expect(reasons.hook).toContain('IoT Hub has no routing endpoint for the http action; route to an event hub');
  });

  it('reports an unreadable statement or condition against every action of the rule', () => {
    const plan = translateTopicRules([
      topicRule('broken', 'SELECT * FROM', [queue('a'), queue('b')]),
      topicRule('by_level', "SELECT * FROM 'a/+/b' WHERE topic(2) = 'x'", [queue('c')]),
    ]);
    expect(plan.rules[0]!.actions.map((action) => action.status)).toEqual(['untranslatable', 'untranslatable']);
    expect(plan.rules[0]!.actions[0]).toMatchObject({ reason: expect.stringContaining('the SQL cannot be read') });
    expect(plan.rules[1]!.actions[0]).toMatchObject({ reason: expect.stringContaining('the WHERE clause cannot be expressed') });
  });

  it('combines the topic filter and the WHERE clause, and notes what differs', () => {
    const plan = translateTopicRules([
      topicRule('hot', "SELECT temperature FROM 'dt/+/telemetry' WHERE temperature > 30", [queue('hot')]),
    ]);
    expect(plan.readsBody).toBe(true);
    const action = routed(plan.rules[0]!.actions[0]);
    expect(action).toMatchObject({
      status: 'approximate',
      condition: "STARTS_WITH(mqtt-topic, 'dt/') AND ENDS_WITH(mqtt-topic, '/telemetry') AND ($body.temperature > 30)",
    });
    expect(action.differences.join(' ')).toMatch(/SELECT list \(temperature\) is not applied.*approximate topic match/);
    expect(action.followUps[0]).toContain('application/json');
  });

  it('routes AWS lifecycle topics from the matching IoT Hub event source', () => {
    const plan = translateTopicRules([
      topicRule('presence', "SELECT * FROM '$aws/events/presence/connected/+'", [queue('presence')]),
      topicRule('shadows', "SELECT * FROM '$aws/things/+/shadow/update/documents'", [queue('shadows')]),
      topicRule('created', "SELECT * FROM '$aws/events/thing/+/created'", [queue('created')]),
      topicRule('jobs', "SELECT * FROM '$aws/events/job/+/completed'", [queue('jobs')]),
      topicRule('filtered', "SELECT * FROM '$aws/events/presence/connected/+' WHERE clientId = 'x'", [queue('f')]),
    ]);
    expect(plan.routes.map((route) => [route.name, route.source, route.condition])).toEqual([
      ['created', 'DeviceLifecycleEvents', 'true'],
      ['presence', 'DeviceConnectionStateEvents', 'true'],
      ['shadows', 'TwinChangeEvents', 'true'],
    ]);
    const status = (name: string) => plan.rules.find((rule) => rule.ruleName === name)!.actions[0]!.status;
    expect(status('presence')).toBe('approximate');
    expect(status('jobs')).toBe('untranslatable');
    expect(status('filtered')).toBe('untranslatable');
  });

  it('keeps disabled rules disabled and shares an endpoint between rules with one destination', () => {
    const plan = translateTopicRules([
      topicRule('a', "SELECT * FROM 'x'", [queue('shared')]),
      topicRule('b', "SELECT * FROM 'y'", [queue('shared')], { enabled: false }),
    ]);
    expect(plan.endpoints).toHaveLength(1);
    expect(plan.routes.map((route) => [route.name, route.enabled])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('names each action of a multi-action rule and reports its error action', () => {
    const plan = translateTopicRules([
      topicRule('fan_out', "SELECT * FROM 'x'", [queue('one'), queue('two')], { errorAction: { type: 'sqs', config: {} } }),
    ]);
    expect(plan.routes.map((route) => route.name)).toEqual(['fan_out-1', 'fan_out-2']);
    expect(plan.rules[0]!.errorAction).toMatchObject({ type: 'sqs', reason: expect.stringContaining('no per-route error action') });
  });

  it('gives enabled rules the limited endpoints first and reports the rest', () => {
    const rules = Array.from({ length: MAX_CUSTOM_ENDPOINTS + 2 }, (_, index) =>
      topicRule(`rule_${String(index).padStart(2, '0')}`, "SELECT * FROM 'x'", [queue(`q${index}`)], { enabled: index !== 0 }),
    );
    const plan = translateTopicRules(rules);
    expect(plan.endpoints).toHaveLength(MAX_CUSTOM_ENDPOINTS);
    const refused = plan.rules.filter((rule) => rule.actions[0]!.status === 'untranslatable').map((rule) => rule.ruleName);
    expect(refused).toEqual(['rule_00', 'rule_11']);
    expect(plan.rules[0]!.actions[0]).toMatchObject({ reason: expect.stringContaining('10 custom endpoints') });
    expect(plan.rules.map((rule) => rule.ruleName)).toEqual(rules.map((rule) => rule.ruleName));
  });

  it('reports rules past the route limit', () => {
    const rules = Array.from({ length: 101 }, (_, index) => topicRule(`r${String(index).padStart(3, '0')}`, "SELECT * FROM 'x'", [queue('q')]));
    const plan = translateTopicRules(rules);
    expect(plan.routes).toHaveLength(99);
    expect(plan.rules.at(-1)!.actions[0]).toMatchObject({ status: 'untranslatable', reason: expect.stringContaining('100 routes') });
  });
});
