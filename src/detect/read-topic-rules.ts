import { GetTopicRuleCommand, paginateListTopicRules, type Action, type IoTClient } from '@aws-sdk/client-iot';
import type { TopicRule } from '../manifest/schema.js';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';
import { isResourceNotFound } from './aws-failures.js';

export async function* listTopicRuleNames(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListTopicRules({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.rules ?? []).flatMap((rule) => (rule.ruleName ? [rule.ruleName] : []));
  }
}

/** Null when the rule is gone. */
export async function getTopicRule(client: IoTClient, ruleName: string): Promise<TopicRule | null> {
  try {
    const { ruleArn, rule } = await client.send(new GetTopicRuleCommand({ ruleName }));
    return {
      ruleName,
      ruleArn: ruleArn ?? '',
      sql: rule?.sql ?? '',
      awsIotSqlVersion: rule?.awsIotSqlVersion ?? null,
      description: rule?.description || null,
      enabled: !(rule?.ruleDisabled ?? false),
      actions: (rule?.actions ?? []).flatMap(ruleActionsOf),
      errorAction: rule?.errorAction ? (ruleActionsOf(rule.errorAction)[0] ?? null) : null,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/**
 * An AWS rule action is an object with one key naming its target (`{ kinesis: {...} }`);
 * the manifest spells that `{ type: 'kinesis', config: {...} }`. The config goes through
 * JSON so it holds exactly what a checkpoint would give back.
 */
function ruleActionsOf(action: Action): TopicRule['actions'] {
  return Object.entries(action)
    .filter(([, config]) => config !== undefined && config !== null)
    .map(([type, config]) => ({ type, config: JSON.parse(JSON.stringify(config)) as Record<string, unknown> }));
}
