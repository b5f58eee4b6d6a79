import { describe, expect, it } from 'vitest';
import { classifySubscription, cloudToDeviceTopic, parseDeviceRequest, parsePropertyBag, twinResponseTopic } from './device-topics.js';

describe('device topics', () => {
  it('parses what azure-iot-device-mqtt publishes', () => {
    expect(parseDeviceRequest('devices/d1/messages/events/%24.mid=m1&%24.ct=application%2Fjson&alert=hi%20there', 'd1')).toEqual({
      kind: 'telemetry',
      properties: { '$.mid': 'm1', '$.ct': 'application/json', alert: 'hi there' },
    });
    expect(parseDeviceRequest('devices/d1/messages/events/', 'd1')).toEqual({ kind: 'telemetry', properties: {} });
    expect(parseDeviceRequest('$iothub/twin/GET/?$rid=42', 'd1')).toEqual({ kind: 'twinGet', requestId: '42' });
    expect(parseDeviceRequest('$iothub/twin/PATCH/properties/reported/?$rid=r-1', 'd1')).toEqual({ kind: 'reportedPatch', requestId: 'r-1' });
    expect(parseDeviceRequest('$iothub/methods/res/200/?$rid=a1', 'd1')).toEqual({ kind: 'methodResponse', requestId: 'a1', status: 200 });
  });

  it('refuses another device\'s topics and anything else', () => {
    for (const topic of ['devices/d2/messages/events/', 'devices/d1/messages/devicebound/x', '$iothub/twin/GET/', 'sensors/d1', '$iothub/methods/POST/reboot/?$rid=1']) {
      expect(parseDeviceRequest(topic, 'd1'), topic).toBeUndefined();
    }
  });

  it('names the four subscriptions a device may make, for itself only', () => {
    expect(classifySubscription('devices/d1/messages/devicebound/#', 'd1')).toBe('cloudToDevice');
    expect(classifySubscription('$iothub/methods/POST/#', 'd1')).toBe('methods');
    expect(classifySubscription('$iothub/twin/res/#', 'd1')).toBe('twinResponses');
    expect(classifySubscription('$iothub/twin/PATCH/properties/desired/#', 'd1')).toBe('desiredUpdates');
    expect(classifySubscription('devices/d2/messages/devicebound/#', 'd1')).toBeUndefined();
    expect(classifySubscription('#', 'd1')).toBeUndefined();
  });

  it('formats the hub\'s topics, with properties the SDK decodes', () => {
    expect(twinResponseTopic(204, 'r', 5)).toBe('$iothub/twin/res/204/?$rid=r&$version=5');
    const topic = cloudToDeviceTopic('d1', { '$.mid': 'm 1', command: 'a&b' });
    expect(topic).toBe('devices/d1/messages/devicebound/%24.mid=m%201&command=a%26b');
    expect(parsePropertyBag(topic.split('/')[4]!)).toEqual({ '$.mid': 'm 1', command: 'a&b' });
  });
});
