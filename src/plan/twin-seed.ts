import type { Thing } from '../manifest/schema.js';
import type { IdentityFlag } from './schema.js';

/**
 * A device twin's starting state from the AWS thing: registry facts (type, attributes,
 * group memberships) become tags, which only the back end sees; the shadows' desired
 * state becomes desired properties (classic at the top, each named shadow as a section
 * under its name); reported state is kept for the record, because on Azure only the
 * device writes reported properties. Twin limits are checked here so a violation shows
 * up in review, not as a failed patch halfway through apply.
 */
export interface TwinSeed {
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
  reportedAtSource: { classic: Record<string, unknown> | null; named: Record<string, Record<string, unknown>> };
  flags: IdentityFlag[];
}

/** IoT Hub twin limits (iot-hub-devguide-device-twins, "Tags and properties format"). */
const MAX_TAGS_BYTES = 8 * 1024;
const MAX_DESIRED_BYTES = 32 * 1024;
const MAX_DEPTH = 10;
const MAX_STRING_BYTES = 4 * 1024;
const MAX_SAFE_TWIN_INTEGER = 4_503_599_627_370_495;
/** Keys may not contain '.', '$', spaces or control characters. */
const FORBIDDEN_KEY_CHARACTER = /[.$ \u0000-\u001f\u007f-\u009f]/;
const FORBIDDEN_KEY_CHARACTERS = new RegExp(FORBIDDEN_KEY_CHARACTER.source, 'g');

/**
 * @param groupsOf the thing's groups with their ancestors: an AWS job aimed at a parent
 *   group reaches its children, so on Azure a tag query on the parent must find them too.
 */
export function twinSeedOf(thing: Thing, groupsOf: (thing: Thing) => string[]): TwinSeed {
  const flags = new Set<IdentityFlag>();
  const renamed = () => flags.add('twin-key-renamed');

  const tags: Record<string, unknown> = {
    aws: {
      thingName: thing.thingName,
      thingArn: thing.thingArn,
      ...(thing.billingGroupName ? { billingGroup: thing.billingGroupName } : {}),
    },
    ...(thing.thingTypeName ? { thingType: thing.thingTypeName } : {}),
    attributes: twinSafe(thing.attributes, renamed),
    groups: twinSafe(Object.fromEntries(groupsOf(thing).map((group) => [group, true])), renamed),
  };

  const classic = thing.shadows.find((shadow) => shadow.name === null);
  const desired: Record<string, unknown> = classic?.desired ? twinSafe(classic.desired, renamed) : {};
  const named: Record<string, Record<string, unknown>> = {};
  for (const shadow of thing.shadows) {
    if (shadow.name === null) continue;
    if (shadow.reported) named[shadow.name] = shadow.reported;
    if (!shadow.desired) continue;
    let section = shadow.name.replace(FORBIDDEN_KEY_CHARACTERS, '_');
    if (section !== shadow.name) renamed();
    if (section in desired) {
      flags.add('twin-desired-section-renamed');
      section = uniqueKey(desired, `shadow-${section}`);
    }
    desired[section] = twinSafe(shadow.desired, renamed);
  }

  if (twinBytes(tags) > MAX_TAGS_BYTES) flags.add('twin-tags-too-large');
  if (twinBytes(desired) > MAX_DESIRED_BYTES) flags.add('twin-desired-too-large');
  if (depthOf(tags) > MAX_DEPTH || depthOf(desired) > MAX_DEPTH) flags.add('twin-too-deep');
  if (hasValueOutOfRange(tags) || hasValueOutOfRange(desired)) flags.add('twin-value-out-of-range');

  return {
    tags,
    desired,
    reportedAtSource: { classic: classic?.reported ?? null, named },
    flags: [...flags].sort(),
  };
}

/** A copy whose keys twins accept; forbidden characters become '_', never overwriting a key. */
function twinSafe(value: Record<string, unknown>, onRename: () => void): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value).sort();
  const renamed = keys.filter((key) => FORBIDDEN_KEY_CHARACTER.test(key));
  for (const key of keys) if (!FORBIDDEN_KEY_CHARACTER.test(key)) out[key] = twinSafeValue(value[key], onRename);
  for (const key of renamed) {
    onRename();
    out[uniqueKey(out, key.replace(FORBIDDEN_KEY_CHARACTERS, '_'))] = twinSafeValue(value[key], onRename);
  }
  return out;
}

function twinSafeValue(value: unknown, onRename: () => void): unknown {
  if (Array.isArray(value)) return value.map((item) => twinSafeValue(item, onRename));
  if (value && typeof value === 'object') return twinSafe(value as Record<string, unknown>, onRename);
  return value;
}

function uniqueKey(object: Record<string, unknown>, key: string): string {
  let candidate = key;
  for (let suffix = 2; candidate in object; suffix += 1) candidate = `${key}_${suffix}`;
  return candidate;
}

/** IoT Hub's size rule: key bytes plus value bytes (numbers 8, booleans 4), nested objects summed. */
function twinBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number') return 8;
  if (typeof value === 'boolean' || value === null) return 4;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + twinBytes(item), 0);
  if (typeof value === 'object') {
    let sum = 0;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) sum += Buffer.byteLength(key) + twinBytes(item);
    return sum;
  }
  return 0;
}

/** Levels of objects below the root: the docs' 10-level example is `{one: {... {ten: {p: v}}}}`. */
function depthOf(value: unknown): number {
  const children = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [];
  return Math.max(0, ...children.map((child) => (isObject(child) ? 1 + depthOf(child) : depthOf(child))));
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function hasValueOutOfRange(value: unknown): boolean {
  if (typeof value === 'string') return Buffer.byteLength(value) > MAX_STRING_BYTES;
  if (typeof value === 'number') return Number.isInteger(value) && Math.abs(value) > MAX_SAFE_TWIN_INTEGER;
  if (Array.isArray(value)) return value.some(hasValueOutOfRange);
  if (value && typeof value === 'object') return Object.values(value as Record<string, unknown>).some(hasValueOutOfRange);
  return false;
}
