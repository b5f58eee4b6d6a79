import { describe, expect, it } from 'vitest';
import { CloudError } from '../errors.js';
import { callAws } from './rollout-aws-call.js';

const signal = new AbortController().signal;
const awsError = (name: string, status: number) => Object.assign(new Error(`${name} happened`), { name, $fault: 'client', $metadata: { httpStatusCode: status } });

describe('callAws', () => {
  it('waits out throttling, saying so, then returns the answer', async () => {
    const throttled: string[] = [];
    let calls = 0;
    const answer = await callAws(
      'ListJobExecutionsForJob',
      async () => {
        calls += 1;
        if (calls < 3) throw awsError('ThrottlingException', 429);
        return 'page';
      },
      { signal, endpoint: 'http://iot', onThrottled: (operation) => throttled.push(operation) },
    );
    expect(answer).toBe('page');
    expect(throttled).toEqual(['ListJobExecutionsForJob', 'ListJobExecutionsForJob']);
  });

  it('turns a refusal into a CloudError, and leaves what the caller handles alone', async () => {
    const denied = callAws('CreateJob', async () => Promise.reject(awsError('AccessDeniedException', 403)), { signal, endpoint: 'http://iot' });
    await expect(denied).rejects.toBeInstanceOf(CloudError);
    const missing = callAws('DescribeJob', async () => Promise.reject(awsError('ResourceNotFoundException', 404)), { signal, endpoint: 'http://iot' }, (error) => (error as Error).name === 'ResourceNotFoundException');
    await expect(missing).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
