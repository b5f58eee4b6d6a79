import type { EstateShadow } from './estate.js';

/**
 * AWS IoT Device Shadow semantics as pure functions, shared by the MQTT shadow topics
 * and the REST data plane: merge rules (null deletes a key), per-leaf metadata
 * timestamps, version checks and the delta between desired and reported.
 */
type JsonObject = Record<string, unknown>;

export interface ShadowError {
  code: 400 | 404 | 409 | 413;
  message: string;
}

export interface ShadowUpdateRequest {
  state?: { desired?: JsonObject | null; reported?: JsonObject | null };
  version?: number;
  clientToken?: string;
}

export interface ShadowUpdateResult {
  shadow: EstateShadow;
  previous: EstateShadow | undefined;
  /** The update/accepted payload (without clientToken). */
  accepted: { state: JsonObject; metadata: JsonObject; version: number; timestamp: number };
  /** The update/delta payload, when desired differs from reported after this update. */
  delta: { state: JsonObject; metadata: JsonObject; version: number; timestamp: number } | undefined;
}

const MAX_DOCUMENT_BYTES = 8 * 1024;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function applyShadowUpdate(
  current: EstateShadow | undefined,
  request: unknown,
  now: number,
): ShadowUpdateResult | ShadowError {
  if (!isObject(request) || !isObject(request.state)) {
    return { code: 400, message: 'Missing required node: state' };
  }
  const update = request as ShadowUpdateRequest;
  if (update.version !== undefined && current && update.version !== current.version) {
    return { code: 409, message: 'Version conflict' };
  }
  for (const section of Object.keys(update.state!)) {
    if (section !== 'desired' && section !== 'reported') {
      return { code: 400, message: `Invalid JSON: unknown state node ${section}` };
    }
  }
  if (JSON.stringify(request).length > MAX_DOCUMENT_BYTES) {
    return { code: 413, message: 'The payload exceeds the maximum size allowed' };
  }

  const next: EstateShadow = structuredClone(current ?? { state: {}, metadata: {}, version: 0, timestamp: now });
  const acceptedMetadata: JsonObject = {};
  for (const section of ['desired', 'reported'] as const) {
    const patch = update.state![section];
    if (patch === undefined) continue;
    if (patch === null) {
      delete next.state[section];
      delete next.metadata[section];
      acceptedMetadata[section] = { timestamp: now };
      continue;
    }
    next.state[section] = mergeState(next.state[section] ?? {}, patch);
    next.metadata[section] = mergeMetadata(next.metadata[section] ?? {}, patch, now);
    acceptedMetadata[section] = stampLeaves(patch, now);
  }
  next.version += 1;
  next.timestamp = now;

  const deltaState = computeDelta(next.state.desired, next.state.reported);
  const delta =
    deltaState && update.state!.desired !== undefined
      ? {
          state: deltaState,
          metadata: pickMetadata(next.metadata.desired ?? {}, deltaState),
          version: next.version,
          timestamp: now,
        }
      : undefined;

  return {
    shadow: next,
    previous: current,
    accepted: { state: update.state as JsonObject, metadata: acceptedMetadata, version: next.version, timestamp: now },
    delta,
  };
}

/** The get/accepted payload (without clientToken). */
export function shadowGetPayload(shadow: EstateShadow): JsonObject {
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  return {
    state: { ...shadow.state, ...(delta ? { delta } : {}) },
    metadata: shadow.metadata,
    version: shadow.version,
    timestamp: shadow.timestamp,
  };
}

/** The update/documents payload. */
export function shadowDocumentsPayload(previous: EstateShadow | undefined, current: EstateShadow, now: number): JsonObject {
  const snapshot = (shadow: EstateShadow | undefined) =>
    shadow ? { state: shadow.state, metadata: shadow.metadata, version: shadow.version } : { state: {}, metadata: {}, version: 0 };
  return { previous: snapshot(previous), current: snapshot(current), timestamp: now };
}

export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | undefined {
  if (!desired) return undefined;
  const delta: JsonObject = {};
  for (const [key, want] of Object.entries(desired)) {
    const have = reported?.[key];
    if (isObject(want) && isObject(have)) {
      const nested = computeDelta(want, have);
      if (nested) delta[key] = nested;
    } else if (JSON.stringify(want) !== JSON.stringify(have)) {
      delta[key] = want;
    }
  }
  return Object.keys(delta).length > 0 ? delta : undefined;
}

function mergeState(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value) && isObject(out[key])) out[key] = mergeState(out[key] as JsonObject, value);
    else out[key] = value;
  }
  return out;
}

function mergeMetadata(target: JsonObject, patch: JsonObject, now: number): JsonObject {
  const out: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (isObject(value)) out[key] = mergeMetadata(isObject(out[key]) && !('timestamp' in (out[key] as JsonObject)) ? (out[key] as JsonObject) : {}, value, now);
    else out[key] = { timestamp: now };
  }
  return out;
}

function stampLeaves(patch: JsonObject, now: number): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(patch)) out[key] = isObject(value) ? stampLeaves(value, now) : { timestamp: now };
  return out;
}

function pickMetadata(metadata: JsonObject, shape: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(shape)) {
    const entry = metadata[key];
    out[key] = isObject(value) && isObject(entry) ? pickMetadata(entry, value) : entry;
  }
  return out;
}
