import { resourceNotFound } from './aws-error.js';
import { nameFromArn, type ControlPlaneContext } from './control-plane-context.js';
import { booleanParam, optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_POLICIES_PAGE = 250;

/** IoT policies and what they are attached to (certificates and thing groups). */
export function policyRoutes(context: ControlPlaneContext): Route[] {
  const { store, views } = context;
  const policies = () => store.estate.policies;

  /** target ARN → names of the policies attached to it, sorted; built once per estate revision. */
  const policiesByTarget = () =>
    views.get('policies:by-target', () => {
      const index = new Map<string, string[]>();
      for (const name of Object.keys(policies()).sort()) {
        for (const target of policies()[name]!.targets) {
          const attached = index.get(target) ?? [];
          attached.push(name);
          index.set(target, attached);
        }
      }
      return index;
    });

  const policySummary = (policyName: string) => ({ policyName, policyArn: policies()[policyName]!.policyArn });

  const listPolicies = (request: ControlPlaneRequest) => {
    // Listed by name; `isAscendingOrder=false` reverses the order.
    const descending = booleanParam(request, 'isAscendingOrder') === false;
    const names = Object.keys(policies()).sort();
    const page = pageOf({
      scope: 'ListPolicies',
      token: optionalParam(request, 'marker'),
      limit: pageSizeParam(request, 'pageSize', MAX_POLICIES_PAGE),
      keys: descending ? names.reverse() : names,
      descending,
      select: policySummary,
    });
    return { policies: page.items, nextMarker: page.nextToken };
  };

  const getPolicy = (request: ControlPlaneRequest) => {
    const policyName = request.params.policyName!;
    const policy = policies()[policyName];
    if (!policy) throw resourceNotFound(`Policy not found: ${policyName}`);
    return {
      policyName: policy.policyName,
      policyArn: policy.policyArn,
      policyDocument: policy.policyDocument,
      defaultVersionId: policy.defaultVersionId,
      creationDate: policy.creationDate,
      // The estate keeps one version per policy, never edited after creation.
      lastModifiedDate: policy.creationDate,
    };
  };

  const listAttachedPolicies = (request: ControlPlaneRequest) => {
    const target = request.params.target!;
    const recursive = booleanParam(request, 'recursive') ?? false;
    const targets = [target];
    const certificateId = nameFromArn(target, 'cert');
    const groupName = nameFromArn(target, 'thinggroup');
    if (certificateId !== undefined && !store.certificateById(certificateId)) throw resourceNotFound(`The certificate ${certificateId} does not exist`);
    if (groupName !== undefined) {
      let group = store.estate.thingGroups[groupName];
      if (!group) throw resourceNotFound(`Thing group ${groupName} cannot be found.`);
      // Recursive: policies a thing group inherits from its ancestors apply to its things too.
      while (recursive && group.parentGroupName !== undefined && store.estate.thingGroups[group.parentGroupName]) {
        group = store.estate.thingGroups[group.parentGroupName]!;
        targets.push(group.groupArn);
      }
    }
    const names = [...new Set(targets.flatMap((arn) => policiesByTarget().get(arn) ?? []))].sort();
    const page = pageOf({
      scope: 'ListAttachedPolicies',
      token: optionalParam(request, 'marker'),
      limit: pageSizeParam(request, 'pageSize', MAX_POLICIES_PAGE),
      keys: names,
      select: policySummary,
    });
    return { policies: page.items, nextMarker: page.nextToken };
  };

  const listTargetsForPolicy = (request: ControlPlaneRequest) => {
    const policyName = request.params.policyName!;
    const policy = policies()[policyName];
    if (!policy) throw resourceNotFound(`Policy not found: ${policyName}`);
    const page = pageOf({
      scope: 'ListTargetsForPolicy',
      token: optionalParam(request, 'marker'),
      limit: pageSizeParam(request, 'pageSize', MAX_POLICIES_PAGE),
      keys: views.get(`policy-targets:${policyName}`, () => [...policy.targets].sort()),
    });
    return { targets: page.items, nextMarker: page.nextToken };
  };

  return [
    { operation: 'ListPolicies', method: 'GET', path: '/policies', handler: listPolicies },
    { operation: 'GetPolicy', method: 'GET', path: '/policies/{policyName}', handler: getPolicy },
    { operation: 'ListAttachedPolicies', method: 'POST', path: '/attached-policies/{target}', handler: listAttachedPolicies },
    { operation: 'ListTargetsForPolicy', method: 'POST', path: '/policy-targets/{policyName}', handler: listTargetsForPolicy },
  ];
}
