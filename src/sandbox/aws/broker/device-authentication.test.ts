import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyEstate, type CertificateStatus } from '../estate.js';
import { EstateStore } from '../estate-store.js';
import { admitDevice, thingNameCandidates } from './device-authentication.js';

// Authentication only hashes the DER, so any bytes stand in for a certificate here.
const der = Buffer.from('device certificate DER');
const certificateId = createHash('sha256').update(der).digest('hex');
const certificateArn = `arn:aws:iot:us-east-1:123456789012:cert/${certificateId}`;

function storeWith(status: CertificateStatus, notAfter = 2_000): EstateStore {
  const estate = emptyEstate('123456789012', 'us-east-1');
  estate.certificates[certificateId] = {
    certificateId,
    certificateArn,
    certificatePem: '',
    status,
    ownedBy: '123456789012',
    creationDate: 0,
    lastModifiedDate: 0,
    notBefore: 0,
    notAfter,
    certificateMode: 'DEFAULT',
  };
  estate.thingPrincipals['sensor-1'] = [certificateArn];
  return EstateStore.inMemory(estate);
}

const deviceConnectRefusal = (...args: Parameters<typeof admitDevice>) => {
  const admission = admitDevice(...args);
  return 'refusal' in admission ? admission.refusal : undefined;
};

describe('device authentication', () => {
  it('lets an active certificate connect as the thing it is attached to', () => {
    expect(admitDevice(storeWith('ACTIVE'), 'sensor-1', der, 1_000)).toEqual({ thingName: 'sensor-1' });
  });

  it('lets it connect as `<thing>-<suffix>` too, acting for that thing (policy client/${iot:Connection.Thing.ThingName}*)', () => {
    expect(admitDevice(storeWith('ACTIVE'), 'sensor-1-ota', der, 1_000)).toEqual({ thingName: 'sensor-1' });
    expect(admitDevice(storeWith('ACTIVE'), 'sensor-1-shadow-2', der, 1_000)).toEqual({ thingName: 'sensor-1' });
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'sensor-1ota', der, 1_000)).toMatch(/not attached/);
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'sensor', der, 1_000)).toMatch(/not attached/);
    expect(thingNameCandidates('a-b-c')).toEqual(['a-b-c', 'a-b', 'a']);
    expect(thingNameCandidates('-x')).toEqual(['-x']);
  });

  it('refuses everything else', () => {
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'sensor-1', undefined, 1_000)).toBe('no client certificate');
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'sensor-1', Buffer.from('other'), 1_000)).toMatch(/not registered/);
    expect(deviceConnectRefusal(storeWith('REVOKED'), 'sensor-1', der, 1_000)).toMatch(/is REVOKED/);
    expect(deviceConnectRefusal(storeWith('INACTIVE'), 'sensor-1', der, 1_000)).toMatch(/is INACTIVE/);
    expect(deviceConnectRefusal(storeWith('ACTIVE', 500), 'sensor-1', der, 1_000)).toMatch(/validity/);
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'sensor-2', der, 1_000)).toMatch(/not attached to thing sensor-2/);
    expect(deviceConnectRefusal(storeWith('ACTIVE'), 'constructor', der, 1_000)).toMatch(/not attached/);
  });
});
