import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * IoT Hub shared access signatures:
 * `SharedAccessSignature sr=<resource>&sig=<url-encoded base64>&se=<unix seconds>[&skn=<policy>]`,
 * signed as HMAC-SHA256(base64-decoded key, sr + "\n" + se) over `sr` exactly as it
 * appears in the token. The service SDK puts the bare host name there, the device SDK
 * the strictly URI-encoded `host/devices/id`, so verification signs the raw field and
 * compares the decoded one.
 */
export interface SasToken {
  /** The resource field as sent (still encoded): what was signed. */
  rawResource: string;
  /** The decoded resource URI. */
  resource: string;
  signature: string;
  expiry: number;
  keyName: string | undefined;
}

const PREFIX = 'SharedAccessSignature ';

/** The token's fields, or undefined when it is not an IoT Hub SAS token. */
export function parseSasToken(token: string): SasToken | undefined {
  if (!token.startsWith(PREFIX)) return undefined;
  const fields = new Map<string, string>();
  for (const pair of token.slice(PREFIX.length).split('&')) {
    const at = pair.indexOf('=');
    if (at <= 0) return undefined;
    fields.set(pair.slice(0, at), pair.slice(at + 1));
  }
  const rawResource = fields.get('sr');
  const signature = fields.get('sig');
  const expiry = Number(fields.get('se'));
  if (!rawResource || !signature || !Number.isInteger(expiry)) return undefined;
  try {
    const skn = fields.get('skn');
    return {
      rawResource,
      resource: decodeURIComponent(rawResource),
      signature: decodeURIComponent(signature),
      expiry,
      keyName: skn === undefined ? undefined : decodeURIComponent(skn),
    };
  } catch {
    return undefined;
  }
}

export function signSas(rawResource: string, expiry: number, base64Key: string): string {
  return createHmac('sha256', Buffer.from(base64Key, 'base64')).update(`${rawResource}\n${expiry}`).digest('base64');
}

/** Whether the token was signed with one of `keys` (base64). */
function isSignedWithOneOf(token: SasToken, keys: readonly string[]): boolean {
  const presented = Buffer.from(token.signature);
  return keys.some((key) => {
    const expected = Buffer.from(signSas(token.rawResource, token.expiry, key));
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  });
}

/**
 * Why a token cannot be used for `audience` at `nowSeconds`, or undefined when it can.
 * The audience is a host name or `host/devices/id`; a token scoped to it or to a
 * resource under it passes, and a `:port` the client kept in its host name is ignored
 * because the device SDK puts whatever HostName it was given into `sr`.
 */
export function sasTokenRefusal(token: SasToken, audience: string, keys: readonly string[], nowSeconds: number): string | undefined {
  if (token.expiry <= nowSeconds) return `the token expired at ${new Date(token.expiry * 1000).toISOString()}`;
  const resource = stripPort(token.resource.toLowerCase());
  const expected = audience.toLowerCase();
  if (resource !== expected && !expected.startsWith(`${resource}/`)) {
    return `the token is for '${token.resource}', not '${audience}'`;
  }
  if (!isSignedWithOneOf(token, keys)) return 'the signature does not match the key';
  return undefined;
}

function stripPort(resource: string): string {
  const slash = resource.indexOf('/');
  const host = slash < 0 ? resource : resource.slice(0, slash);
  const rest = slash < 0 ? '' : resource.slice(slash);
  return host.replace(/:\d+$/, '') + rest;
}
