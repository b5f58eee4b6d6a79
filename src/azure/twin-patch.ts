/**
 * The twin PATCH that brings a device's tags and desired properties in line with its
 * plan seed. PATCH is a JSON merge patch (null deletes), so only what differs is sent.
 * Each top-level key of the seed (`aws`, `attributes`, `groups`, a named shadow's
 * section, …) is the plan's: below it the hub is made equal to the seed, stale keys
 * included. Top-level keys the seed does not have belong to someone else and are left
 * alone. An empty object counts as absent, as a twin need not keep one.
 */
export interface TwinContent {
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
}

export interface TwinPatch {
  tags?: Record<string, unknown>;
  properties?: { desired: Record<string, unknown> };
}

export function twinPatchFor(current: TwinContent, seed: TwinContent): TwinPatch | undefined {
  const tags = sectionPatch(current.tags, seed.tags);
  const desired = sectionPatch(current.desired, seed.desired);
  if (!tags && !desired) return undefined;
  return { ...(tags ? { tags } : {}), ...(desired ? { properties: { desired } } : {}) };
}

function sectionPatch(current: Record<string, unknown>, seed: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(seed)) {
    const change = valuePatch(Object.hasOwn(current, key) ? current[key] : undefined, value);
    if (change !== undefined) entries.push([key, change]);
  }
  // fromEntries defines own properties, so a key like `__proto__` stays an ordinary key.
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** What to send so `current` becomes `target`; undefined when they are already equal. */
function valuePatch(current: unknown, target: unknown): unknown {
  if (isObject(target)) {
    if (!isObject(current)) return isEmptyObject(target) ? undefined : target;
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(current)) if (!Object.hasOwn(target, key)) entries.push([key, null]);
    for (const [key, value] of Object.entries(target)) {
      const change = valuePatch(Object.hasOwn(current, key) ? current[key] : undefined, value);
      if (change !== undefined) entries.push([key, change]);
    }
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return sameJson(current, target) ? undefined : target;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
  }
  return a === b;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEmptyObject(value: Record<string, unknown>): boolean {
  return Object.values(value).every((child) => isObject(child) && isEmptyObject(child));
}
