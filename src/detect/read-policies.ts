import { GetPolicyCommand, paginateListPolicies, paginateListTargetsForPolicy, type IoTClient } from '@aws-sdk/client-iot';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';
import { isResourceNotFound } from './aws-failures.js';
import type { PolicyReading } from './estate-readings.js';

export async function* listPolicyNames(client: IoTClient): AsyncGenerator<string[]> {
  for await (const page of paginateListPolicies({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.policies ?? []).flatMap((policy) => (policy.policyName ? [policy.policyName] : []));
  }
}

/** The default version's document, parsed from the JSON string AWS returns. Null when the policy is gone. */
export async function getPolicy(client: IoTClient, policyName: string): Promise<PolicyReading | null> {
  try {
    const policy = await client.send(new GetPolicyCommand({ policyName }));
    return {
      policyName,
      policyArn: policy.policyArn ?? '',
      defaultVersionId: policy.defaultVersionId ?? null,
      document: JSON.parse(policy.policyDocument ?? '{}') as Record<string, unknown>,
    };
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
}

/** Certificate, thing-group and Cognito ARNs the policy is attached to. Null when the policy is gone. */
export async function listPolicyTargets(client: IoTClient, policyName: string): Promise<string[] | null> {
  const targets: string[] = [];
  try {
    for await (const page of paginateListTargetsForPolicy({ client, pageSize: LIST_PAGE_SIZE }, { policyName })) {
      targets.push(...(page.targets ?? []));
    }
  } catch (error) {
    if (isResourceNotFound(error)) return null;
    throw error;
  }
  return targets;
}
