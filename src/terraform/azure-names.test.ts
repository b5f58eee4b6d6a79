import { describe, expect, it } from 'vitest';
import {
  boundedName,
  defaultHubName,
  hubNameProblem,
  namespaceName,
  resourceGroupNameProblem,
  storageAccountName,
  storageContainerName,
  terraformName,
} from './azure-names.js';

describe('Azure names', () => {
  it('derives a valid default hub name from the AWS source', () => {
    expect(defaultHubName('us-east-1', '123456789012')).toBe('iot-us-east-1-123456789012');
    expect(defaultHubName('eu-west-1', null)).toBe('iot-eu-west-1-fleet');
    expect(hubNameProblem(defaultHubName('ap-southeast-2', '123456789012'))).toBeUndefined();
  });

  it('checks user-supplied names', () => {
    expect(hubNameProblem('my-hub')).toBeUndefined();
    expect(hubNameProblem('my--hub')).toBeDefined();
    expect(hubNameProblem('-hub')).toBeDefined();
    expect(hubNameProblem('a'.repeat(51))).toBeDefined();
    expect(resourceGroupNameProblem('rg_(migration).1')).toBeUndefined();
    expect(resourceGroupNameProblem('ends.')).toBeDefined();
  });

  it('keeps derived names within their limits and distinct', () => {
    const hub = 'a'.repeat(50);
    expect(namespaceName(hub, 'events').length).toBeLessThanOrEqual(50);
    expect(namespaceName(hub, 'events')).not.toBe(namespaceName(hub, 'bus'));
    expect(namespaceName('1hub', 'bus')).toBe('ns-1hub-bus');
    expect(storageAccountName('iot-us-east-1-123456789012')).toMatch(/^[a-z0-9]{3,24}$/);
    expect(storageAccountName('hub-a')).not.toBe(storageAccountName('hub-b'));
  });

  it('shortens long names with a hash of the whole', () => {
    const long = `${'x'.repeat(70)}-tail`;
    expect(boundedName(long, 64)).toHaveLength(64);
    expect(boundedName(long, 64)).not.toBe(boundedName(`${'x'.repeat(70)}-other`, 64));
    expect(boundedName('short', 64)).toBe('short');
  });

  it('turns S3 bucket names into container names', () => {
    expect(storageContainerName('Fleet.Raw--Archive')).toBe('fleet-raw-archive');
    expect(storageContainerName('a')).toBe('a00');
  });

  it('makes Terraform resource names', () => {
    expect(terraformName('endpoint_queue-a.fifo')).toBe('endpoint_queue-a_fifo');
    expect(terraformName('1x')).toBe('_1x');
  });
});
