import type { EstateJob } from '../estate.js';
import { nameFromArn, type ControlPlaneContext } from './control-plane-context.js';
import { enumParam, optionalParam, pageSizeParam, type ControlPlaneRequest } from './control-plane-request.js';
import { pageOf } from './pagination.js';
import type { Route } from './route-table.js';

const MAX_JOBS_PAGE = 250;
const JOB_STATUSES = ['IN_PROGRESS', 'CANCELED', 'COMPLETED', 'DELETION_IN_PROGRESS', 'SCHEDULED'] as const;
const TARGET_SELECTIONS = ['SNAPSHOT', 'CONTINUOUS'] as const;

/** Jobs: ListJobs, the one job operation detect needs (the OTA history it migrates). */
export function jobRoutes(context: ControlPlaneContext): Route[] {
  const { store } = context;

  /** The thing group a job targets, as its summary names it. */
  const targetGroupOf = (job: EstateJob) =>
    job.targets.map((target) => store.estate.thingGroups[nameFromArn(target, 'thinggroup') ?? '']).find((group) => group !== undefined);

  const listJobs = (request: ControlPlaneRequest) => {
    const status = enumParam(request, 'status', JOB_STATUSES);
    const targetSelection = enumParam(request, 'targetSelection', TARGET_SELECTIONS);
    const thingGroupName = optionalParam(request, 'thingGroupName');
    const thingGroupId = optionalParam(request, 'thingGroupId');
    // The estate's jobs live in the default namespace; a namespace filter names another.
    const namespaceId = optionalParam(request, 'namespaceId');
    const targetsGroup = (job: EstateJob) =>
      job.targets.some((target) => {
        const group = store.estate.thingGroups[nameFromArn(target, 'thinggroup') ?? ''];
        if (!group) return false;
        return (thingGroupName === undefined || group.groupName === thingGroupName) && (thingGroupId === undefined || group.groupId === thingGroupId);
      });
    const page = pageOf({
      scope: 'ListJobs',
      token: optionalParam(request, 'nextToken'),
      limit: pageSizeParam(request, 'maxResults', MAX_JOBS_PAGE),
      keys: namespaceId === undefined ? Object.keys(store.estate.jobs).sort() : [],
      select: (jobId) => {
        const job = store.estate.jobs[jobId]!;
        if (status !== undefined && job.status !== status) return undefined;
        if (targetSelection !== undefined && job.targetSelection !== targetSelection) return undefined;
        if ((thingGroupName !== undefined || thingGroupId !== undefined) && !targetsGroup(job)) return undefined;
        return {
          jobArn: job.jobArn,
          jobId: job.jobId,
          thingGroupId: targetGroupOf(job)?.groupId,
          targetSelection: job.targetSelection,
          status: job.status,
          createdAt: job.createdAt,
          lastUpdatedAt: job.lastUpdatedAt,
          completedAt: job.completedAt,
          isConcurrent: false,
        };
      },
    });
    return { jobs: page.items, nextToken: page.nextToken };
  };

  return [{ operation: 'ListJobs', method: 'GET', path: '/jobs', handler: listJobs }];
}
