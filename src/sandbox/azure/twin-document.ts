import { argumentInvalid } from './iot-hub-error.js';

/**
 * The twin's property documents (tags, desired, reported) and IoT Hub's rules for
 * them: JSON merge patches where null deletes, a `$version` per section that every
 * write bumps, `$metadata` with the time (and, for desired, the version) each
 * property was last written, and the limits on names, depth and size. Pure: the
 * registry decides when to call these.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** When and at which section version a property was last written, with the same for its children. */
export interface MetadataNode {
  lastUpdated: string;
  lastUpdatedVersion?: number;
  children?: Record<string, MetadataNode>;
}

export interface TwinSection {
  properties: JsonObject;
  version: number;
  metadata: MetadataNode;
}

export interface WriteStamp {
  time: string;
  /** Recorded as `$lastUpdatedVersion` (desired only). */
  version?: number;
}

export type TwinSectionName = 'tags' | 'desired' | 'reported';

// IoT Hub's limits for api-version 2021-04-12: 8 KB of tags, 32 KB each of desired and
// reported, objects nested at most 10 deep, names up to 1 KB.
const MAX_BYTES: Record<TwinSectionName, number> = { tags: 8 * 1024, desired: 32 * 1024, reported: 32 * 1024 };
const MAX_DEPTH = 10;
const MAX_NAME_LENGTH = 1024;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function emptySection(version: number, stamp: WriteStamp): TwinSection {
  return { properties: {}, version, metadata: stampNode({ lastUpdated: stamp.time }, stamp) };
}

/**
 * Checks a patch (or a whole document, `allowNull` false) sent for `section` and
 * returns it typed. Names may not contain `.`, `$`, spaces or control characters;
 * `$version` and `$metadata` in a patch are the hub's and are dropped, as IoT Hub does.
 */
export function readSectionInput(value: unknown, section: TwinSectionName, options: { allowNull: boolean }): JsonObject {
  if (!isJsonObject(value)) throw argumentInvalid(`${section} must be a JSON object`);
  const { $version: _version, $metadata: _metadata, ...rest } = value;
  checkNames(rest, section, 1, options.allowNull);
  return rest;
}

function checkNames(object: JsonObject, path: string, depth: number, allowNull: boolean): void {
  if (depth > MAX_DEPTH) throw argumentInvalid(`${path} is nested deeper than ${MAX_DEPTH} levels`);
  for (const [name, value] of Object.entries(object)) {
    // Control characters, '.', '$' and ' ' are what IoT Hub refuses in property names.
    if (name.length === 0 || name.length > MAX_NAME_LENGTH || /[.$ \u0000-\u001f]/.test(name)) {
      throw argumentInvalid(`'${name}' in ${path} is not a valid property name: no '.', '$', spaces or control characters`);
    }
    if (value === null && !allowNull) throw argumentInvalid(`${path}.${name} is null; null only deletes in a patch`);
    if (isJsonObject(value)) checkNames(value, `${path}.${name}`, depth + 1, allowNull);
  }
}

export function checkSectionSize(properties: JsonObject, section: TwinSectionName): void {
  const bytes = Buffer.byteLength(JSON.stringify(properties));
  if (bytes > MAX_BYTES[section]) {
    throw argumentInvalid(`${section} would be ${bytes} bytes; IoT Hub allows ${MAX_BYTES[section]}`);
  }
}

/** Applies a JSON merge patch to `target` in place, stamping the metadata of what it writes. */
export function mergePatch(target: JsonObject, metadata: MetadataNode, patch: JsonObject, stamp: WriteStamp): void {
  stampNode(metadata, stamp);
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[name];
      if (metadata.children) delete metadata.children[name];
      continue;
    }
    metadata.children ??= {};
    const existing = Object.hasOwn(target, name) ? target[name] : undefined;
    if (isJsonObject(value)) {
      const child: JsonObject = isJsonObject(existing) ? existing : {};
      const childMetadata = isJsonObject(existing) && metadata.children[name] ? metadata.children[name] : { lastUpdated: stamp.time };
      mergePatch(child, childMetadata, value, stamp);
      setOwn(target, name, child);
      setOwn(metadata.children, name, childMetadata);
    } else {
      setOwn(target, name, structuredClone(value));
      setOwn(metadata.children, name, stampNode({ lastUpdated: stamp.time }, stamp));
    }
  }
}

/** Replaces a section's properties wholesale, as a twin PUT does. */
export function replaceProperties(section: TwinSection, properties: JsonObject, stamp: WriteStamp): void {
  section.properties = {};
  section.metadata = { lastUpdated: stamp.time };
  mergePatch(section.properties, section.metadata, properties, stamp);
}

/** The merge patch that turns `before` into `after` (null for what was removed). */
export function diffAsPatch(before: JsonObject, after: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const name of Object.keys(before)) if (!Object.hasOwn(after, name)) setOwn(patch, name, null);
  for (const [name, value] of Object.entries(after)) {
    const old = Object.hasOwn(before, name) ? before[name] : undefined;
    if (isJsonObject(value) && isJsonObject(old)) {
      const nested = diffAsPatch(old, value);
      if (Object.keys(nested).length > 0) setOwn(patch, name, nested);
    } else if (JSON.stringify(old) !== JSON.stringify(value)) {
      setOwn(patch, name, value);
    }
  }
  return patch;
}

/**
 * A section as IoT Hub shows it: the properties with `$version`, and `$metadata` for
 * the service (devices get no metadata over MQTT).
 */
export function sectionView(section: TwinSection, options: { metadata: boolean }): JsonObject {
  return {
    ...structuredClone(section.properties),
    ...(options.metadata ? { $metadata: metadataView(section.metadata) } : {}),
    $version: section.version,
  };
}

function metadataView(node: MetadataNode): JsonObject {
  const view: JsonObject = { $lastUpdated: node.lastUpdated };
  if (node.lastUpdatedVersion !== undefined) view.$lastUpdatedVersion = node.lastUpdatedVersion;
  for (const [name, child] of Object.entries(node.children ?? {})) setOwn(view, name, metadataView(child));
  return view;
}

/** IoT Hub's twin etag: the twin version as 8 big-endian bytes, base64. */
export function twinEtag(version: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(version));
  return bytes.toString('base64');
}

function stampNode(node: MetadataNode, stamp: WriteStamp): MetadataNode {
  node.lastUpdated = stamp.time;
  if (stamp.version !== undefined) node.lastUpdatedVersion = stamp.version;
  return node;
}

/** Names come off the wire: defining them keeps `__proto__` an ordinary property. */
export function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}
