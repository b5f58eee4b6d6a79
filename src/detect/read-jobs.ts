import { paginateListJobs, type IoTClient } from '@aws-sdk/client-iot';
import type { Job } from '../manifest/schema.js';
import { LIST_PAGE_SIZE } from './aws-list-page-size.js';

/** ListJobs carries what the manifest keeps of a job: no per-job call. */
export async function* listJobs(client: IoTClient): AsyncGenerator<Job[]> {
  for await (const page of paginateListJobs({ client, pageSize: LIST_PAGE_SIZE }, {})) {
    yield (page.jobs ?? []).flatMap((job) =>
      job.jobId
        ? [
            {
              jobId: job.jobId,
              jobArn: job.jobArn ?? '',
              status: job.status ?? 'UNKNOWN',
              targetSelection: job.targetSelection ?? null,
              thingGroupId: job.thingGroupId ?? null,
              createdAt: job.createdAt?.toISOString() ?? null,
              completedAt: job.completedAt?.toISOString() ?? null,
            },
          ]
        : [],
    );
  }
}
