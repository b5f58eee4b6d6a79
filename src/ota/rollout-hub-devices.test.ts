import { describe, expect, it } from 'vitest';
import { compileDeviceQuery } from '../sandbox/azure/device-query.js';
import { devicesQuery } from './rollout-hub-devices.js';

describe('devicesQuery', () => {
  it("names the batch's devices in one IN, quotes doubled, as IoT Hub's query language reads it", () => {
    const query = devicesQuery(['thermostat-00001', "o'brien-7"]);
    expect(query).toBe("SELECT * FROM devices WHERE deviceId IN ['thermostat-00001', 'o''brien-7']");
    const compiled = compileDeviceQuery(query);
    expect(compiled.matches({ deviceId: "o'brien-7" })).toBe(true);
    expect(compiled.matches({ deviceId: 'thermostat-00002' })).toBe(false);
  });
});
