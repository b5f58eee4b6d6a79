import { describe, expect, it } from 'vitest';
import { isJobsTopic, jobsRequestTopic, mayReceiveOtherThingsJobs, parseJobsRequestTopic } from './jobs-topics.js';

describe('jobs topics', () => {
  it('parses the four device requests', () => {
    expect(parseJobsRequestTopic('$aws/things/thermostat-00001/jobs/get')).toEqual({ thingName: 'thermostat-00001', operation: 'list' });
    expect(parseJobsRequestTopic('$aws/things/t/jobs/start-next')).toEqual({ thingName: 't', operation: 'start-next' });
    expect(parseJobsRequestTopic('$aws/things/t/jobs/$next/get')).toEqual({ thingName: 't', operation: 'describe', jobId: '$next' });
    expect(parseJobsRequestTopic('$aws/things/t/jobs/ota-1/get')).toEqual({ thingName: 't', operation: 'describe', jobId: 'ota-1' });
    expect(parseJobsRequestTopic('$aws/things/t/jobs/ota-1/update')).toEqual({ thingName: 't', operation: 'update', jobId: 'ota-1' });
  });

  it('is not fooled by replies, notifications or malformed names', () => {
    for (const topic of [
      '$aws/things/t/jobs/get/accepted',
      '$aws/things/t/jobs/ota-1/update/rejected',
      '$aws/things/t/jobs/notify',
      '$aws/things/t/jobs/notify-next',
      '$aws/things/t/jobs/$next/update',
      '$aws/things/t/jobs/bad id/get',
      '$aws/things//jobs/get',
      '$aws/things/t/shadow/get',
    ]) {
      expect(parseJobsRequestTopic(topic), topic).toBeUndefined();
    }
    expect(isJobsTopic('$aws/things/t/jobs/notify-next')).toBe(true);
    expect(isJobsTopic('$aws/things/t/shadow/get')).toBe(false);
  });

  it('round-trips request topics', () => {
    for (const topic of ['$aws/things/t/jobs/get', '$aws/things/t/jobs/start-next', '$aws/things/t/jobs/$next/get', '$aws/things/t/jobs/j/update']) {
      expect(jobsRequestTopic(parseJobsRequestTopic(topic)!)).toBe(topic);
    }
  });

  it("tells which subscriptions could deliver another thing's jobs", () => {
    for (const filter of ['$aws/things/other/jobs/notify-next', '$aws/things/+/jobs/#', '$aws/#', '$aws/things/#', '$aws/+/other/+/get']) {
      expect(mayReceiveOtherThingsJobs(filter, 't'), filter).toBe(true);
    }
    for (const filter of ['$aws/things/t/jobs/#', '$aws/things/+/shadow/get', '#', '+/things/other/jobs/get', 'dt/t/telemetry', '$aws/things/other']) {
      expect(mayReceiveOtherThingsJobs(filter, 't'), filter).toBe(false);
    }
  });
});
