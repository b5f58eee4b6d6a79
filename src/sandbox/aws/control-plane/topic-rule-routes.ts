import type { EstateTopicRule } from '../estate.js';
import { AwsError } from './aws-error.js';
import type { ControlPlaneContext } from './control-plane-context.js';
import { booleanParam, optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_RULES_PAGE = 10_000;

/** The topic filter a rule's SQL selects from: `SELECT * FROM 'dt/+/telemetry'` → `dt/+/telemetry`. */
function topicPatternOf(sql: string): string | undefined {
  return /\bFROM\s+'([^']*)'/i.exec(sql)?.[1];
}

/** Rules-engine topic rules: ListTopicRules and GetTopicRule. */
export function topicRuleRoutes(context: ControlPlaneContext): Route[] {
  const rules = () => context.store.estate.topicRules;

  const listTopicRules = (request: ControlPlaneRequest) => {
    const topic = optionalParam(request, 'topic');
    const ruleDisabled = booleanParam(request, 'ruleDisabled');
    const page = pageOf({
      scope: 'ListTopicRules',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_RULES_PAGE),
      keys: Object.keys(rules()).sort(),
      select: (ruleName) => {
        const rule: EstateTopicRule = rules()[ruleName]!;
        const topicPattern = topicPatternOf(rule.sql);
        if (topic !== undefined && topicPattern !== topic) return undefined;
        if (ruleDisabled !== undefined && rule.ruleDisabled !== ruleDisabled) return undefined;
        return { ruleArn: rule.ruleArn, ruleName, topicPattern, createdAt: rule.createdAt, ruleDisabled: rule.ruleDisabled };
      },
    });
    return { rules: page.items, nextToken: page.nextToken };
  };

  const getTopicRule = (request: ControlPlaneRequest) => {
    const ruleName = request.params.ruleName!;
    const rule = rules()[ruleName];
    // GetTopicRule declares no ResourceNotFoundException: AWS answers a missing rule with UnauthorizedException.
    if (!rule) throw new AwsError('UnauthorizedException', 401, `Rule ${ruleName} does not exist or you are not authorized to access it`);
    return {
      ruleArn: rule.ruleArn,
      rule: {
        ruleName: rule.ruleName,
        sql: rule.sql,
        description: rule.description,
        createdAt: rule.createdAt,
        actions: rule.actions,
        ruleDisabled: rule.ruleDisabled,
        awsIotSqlVersion: rule.awsIotSqlVersion,
        errorAction: rule.errorAction,
      },
    };
  };

  return [
    { operation: 'ListTopicRules', method: 'GET', path: '/rules', handler: listTopicRules },
    { operation: 'GetTopicRule', method: 'GET', path: '/rules/{ruleName}', handler: getTopicRule },
  ];
}
