import { describe, expect, it } from 'vitest';
import { hubNameMismatch, readHubConnectionString } from './hub-connection-string.js';

describe('readHubConnectionString', () => {
  it('reads a service connection string, keys ending in = included', () => {
    expect(readHubConnectionString('HostName=hub-1.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=abc+/def==')).toEqual({
      ok: true,
      connection: { hostName: 'hub-1.azure-devices.net', sharedAccessKeyName: 'iothubowner' },
    });
  });

  it('says what is missing, and when it was given a device connection string', () => {
    expect(readHubConnectionString('HostName=h;SharedAccessKeyName=p')).toEqual({ ok: false, problem: 'it has no SharedAccessKey' });
    expect(readHubConnectionString('HostName=h;DeviceId=d1;SharedAccessKey=k')).toEqual({
      ok: false,
      problem: 'it has no SharedAccessKeyName (this is a device connection string; apply needs a service policy such as iothubowner)',
    });
    expect(readHubConnectionString('just-a-hostname')).toMatchObject({ ok: false, problem: expect.stringContaining('is not a Name=value pair') });
  });
});

describe('hubNameMismatch', () => {
  it('compares the hub name of an Azure host name with the plan', () => {
    expect(hubNameMismatch('iot-fleet', 'iot-fleet.azure-devices.net')).toBeUndefined();
    expect(hubNameMismatch('iot-fleet', 'IOT-FLEET.azure-devices.net')).toBeUndefined();
    expect(hubNameMismatch('iot-fleet', 'iot-other.azure-devices.net')).toBe('the plan is for IoT Hub iot-fleet, but the connection string is for iot-other.azure-devices.net');
  });

  it('takes other host names (the sandbox, private endpoints) as given', () => {
    expect(hubNameMismatch('iot-fleet', '127.0.0.2')).toBeUndefined();
    expect(hubNameMismatch('iot-fleet', 'hub.internal.example.com')).toBeUndefined();
  });
});
