import { ts } from 'ts-morph';
import { reservedTopicService } from '../../../detect/firmware/aws-reserved-topics.js';
import { renderTopic } from '../../../detect/firmware/render-topic.js';

/** What a topic expression is, as far as the code tells. */
export type TopicClass =
  | { kind: 'custom'; display: string }
  | { kind: 'wildcard'; display: string }
  | { kind: 'shared-subscription'; display: string }
  | { kind: 'shadow'; display: string; namedShadow?: string; operation: string }
  | { kind: 'jobs'; display: string }
  | { kind: 'provisioning'; display: string }
  | { kind: 'other-reserved'; display: string }
  | { kind: 'unknown'; display: string };

const SHADOW_OPERATION = /^\$aws\/things\/[^/]+\/shadow\/(?:name\/([^/]+)\/)?(.*)$/;

/**
 * Classifies the topic a publish or subscribe uses. Topics only known at run time
 * (`topicFor(kind)`) are `unknown`; `+` in a rendered topic is a run-time value unless
 * the source itself writes a wildcard.
 */
export function classifyTopic(expression: ts.Expression): TopicClass {
  const rendered = renderTopic(expression);
  if (rendered === undefined) return { kind: 'unknown', display: expression.getText() };
  const display = rendered;
  if (rendered.startsWith('$share/')) return { kind: 'shared-subscription', display };
  const service = reservedTopicService(rendered);
  if (service === 'shadow') {
    const match = SHADOW_OPERATION.exec(rendered);
    const namedShadow = match?.[1];
    return { kind: 'shadow', display, operation: match?.[2] ?? '', ...(namedShadow === undefined ? {} : { namedShadow }) };
  }
  if (service === 'jobs') return { kind: 'jobs', display };
  if (service === 'provisioning') return { kind: 'provisioning', display };
  if (rendered.startsWith('$aws/')) return { kind: 'other-reserved', display };
  if (writesWildcard(expression)) return { kind: 'wildcard', display };
  return { kind: 'custom', display };
}

/** A `+` or `#` typed in the source, not one standing for a run-time value. */
function writesWildcard(expression: ts.Expression): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      if (/(^|\/)[+#](\/|$)/.test(node.text) || /^[+#]$/.test(node.text)) found = true;
    }
    ts.forEachChild(node, visit);
  };
  visit(expression);
  return found;
}

/**
 * The last fixed level of a topic, as a direct method name: `tracker/${id}/cmd/locate`
 * gives `locate`.
 */
export function methodNameOfTopic(display: string): string {
  const levels = display.split('/').filter((level) => level !== '' && level !== '+' && level !== '#');
  const last = levels[levels.length - 1] ?? 'command';
  return last.replace(/[^A-Za-z0-9_-]/g, '-');
}
