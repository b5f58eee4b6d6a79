import { describe, expect, it } from 'vitest';
import { parseSasToken, sasTokenRefusal, signSas } from './sas-token.js';

const key = Buffer.alloc(32, 3).toString('base64');
const otherKey = Buffer.alloc(32, 4).toString('base64');
const strict = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);

/** A token laid out as the SDKs lay theirs out (service: sr, sig, skn, se; device: no skn, encoded sr). */
function token(rawResource: string, expiry: number, signingKey: string, keyName?: string): string {
  const sig = encodeURIComponent(signSas(rawResource, expiry, signingKey));
  return `SharedAccessSignature sr=${rawResource}&sig=${sig}${keyName ? `&skn=${keyName}` : ''}&se=${expiry}`;
}

describe('SAS tokens', () => {
  const now = 1_800_000_000;

  it('parses the fields and keeps the resource as signed', () => {
    const parsed = parseSasToken(token(strict('hub.local/devices/d(1)'), now + 60, key));
    expect(parsed).toMatchObject({ rawResource: 'hub.local%2Fdevices%2Fd%281%29', resource: 'hub.local/devices/d(1)', expiry: now + 60, keyName: undefined });
    expect(parseSasToken('Bearer abc')).toBeUndefined();
    expect(parseSasToken('SharedAccessSignature sr=a&se=1')).toBeUndefined();
  });

  it('accepts a service token for the hub signed with either key, and a device token for its own resource', () => {
    const service = parseSasToken(token('127.0.0.2', now + 60, key, 'iothubowner'))!;
    expect(sasTokenRefusal(service, '127.0.0.2', [otherKey, key], now)).toBeUndefined();
    const device = parseSasToken(token(strict('127.0.0.2:8883/devices/d1'), now + 60, key))!;
    expect(sasTokenRefusal(device, '127.0.0.2/devices/d1', [key], now)).toBeUndefined();
  });

  it('refuses a wrong key, an expired token and another audience, saying which', () => {
    const wrongKey = parseSasToken(token('127.0.0.2', now + 60, otherKey, 'iothubowner'))!;
    expect(sasTokenRefusal(wrongKey, '127.0.0.2', [key], now)).toMatch(/signature/);
    const expired = parseSasToken(token('127.0.0.2', now - 1, key, 'iothubowner'))!;
    expect(sasTokenRefusal(expired, '127.0.0.2', [key], now)).toMatch(/expired/);
    const otherDevice = parseSasToken(token(strict('127.0.0.2/devices/d2'), now + 60, key))!;
    expect(sasTokenRefusal(otherDevice, '127.0.0.2/devices/d1', [key], now)).toMatch(/not '127.0.0.2\/devices\/d1'/);
  });
});
