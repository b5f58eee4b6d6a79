import { describe, expect, it } from 'vitest';
import type { Identity } from '../plan/schema.js';
import { deviceToCreate, deviceToUpdate, identityMatches, type RegisteredDevice } from './registry-device.js';

const A = 'A'.repeat(64);
const B = 'B'.repeat(64);

function identity(authentication: Identity['authentication']): Identity {
  return {
    deviceId: 'dev-1',
    thingName: 'thing-1',
    authentication,
    certificates: [],
    flags: [],
    twin: { tags: { aws: { thingName: 'thing-1' } }, desired: { setpoint: 21 } },
    reportedAtSource: { classic: null, named: {} },
  };
}

function registered(parts: Partial<RegisteredDevice>): RegisteredDevice {
  return {
    deviceId: 'dev-1',
    deviceEtag: 'MQ==',
    twinEtag: 'AAAAAAAAAAE=',
    status: 'enabled',
    authenticationType: 'selfSigned',
    primaryThumbprint: A,
    secondaryThumbprint: B,
    tags: {},
    desired: {},
    ...parts,
  };
}

describe('deviceToCreate / deviceToUpdate', () => {
  it('creates a thumbprint device enabled, with its twin seed', () => {
    expect(deviceToCreate(identity({ type: 'selfSigned', primaryThumbprint: A, secondaryThumbprint: B }), undefined)).toEqual({
      deviceId: 'dev-1',
      status: 'enabled',
      authentication: { type: 'selfSigned', x509Thumbprint: { primaryThumbprint: A, secondaryThumbprint: B } },
      tags: { aws: { thingName: 'thing-1' } },
      properties: { desired: { setpoint: 21 } },
    });
  });

  it('gives a CA device no thumbprint, and a SAS device the keys apply made', () => {
    expect(deviceToCreate(identity({ type: 'certificateAuthority', caCertificateIds: ['ca'] }), undefined).authentication).toEqual({ type: 'certificateAuthority' });
    const keys = { primaryKey: 'cA==', secondaryKey: 'cw==' };
    expect(deviceToUpdate(identity({ type: 'sas' }), keys, 'Mg==')).toEqual({
      deviceId: 'dev-1',
      status: 'enabled',
      authentication: { type: 'sas', symmetricKey: keys },
      eTag: 'Mg==',
    });
    expect(() => deviceToCreate(identity({ type: 'sas' }), undefined)).toThrow('no SAS keys were made for device dev-1');
  });
});

describe('identityMatches', () => {
  const selfSigned = { type: 'selfSigned' as const, primaryThumbprint: A, secondaryThumbprint: B };

  it('matches the same thumbprints in any case, on an enabled device', () => {
    expect(identityMatches(selfSigned, registered({ primaryThumbprint: A.toLowerCase() }))).toBe(true);
    expect(identityMatches(selfSigned, registered({ secondaryThumbprint: A }))).toBe(false);
    expect(identityMatches(selfSigned, registered({ secondaryThumbprint: null }))).toBe(false);
    expect(identityMatches(selfSigned, registered({ status: 'disabled' }))).toBe(false);
  });

  it('matches CA and SAS devices by kind', () => {
    expect(identityMatches({ type: 'certificateAuthority', caCertificateIds: ['ca'] }, registered({ authenticationType: 'certificateAuthority' }))).toBe(true);
    expect(identityMatches({ type: 'sas' }, registered({ authenticationType: 'sas' }))).toBe(true);
    expect(identityMatches({ type: 'sas' }, registered({ authenticationType: 'selfSigned' }))).toBe(false);
  });
});
