import { stableStringify } from '../fs/atomic-write.js';
import type { IdentitiesFile } from './schema.js';

/**
 * identities.json in pieces, one device at a time, with exactly the bytes
 * stableStringify would give for the whole file. A 100,000-device file is some 170 MB
 * of text; written whole it would sit in memory twice (the string and the sorted copy
 * the replacer builds).
 */
export function* identitiesFileChunks(file: IdentitiesFile): Generator<string> {
  // Keys in stableStringify's order: "devices" sorts before "schemaVersion".
  if (file.devices.length === 0) {
    yield stableStringify(file);
    return;
  }
  yield '{\n  "devices": [\n';
  for (const [index, device] of file.devices.entries()) {
    const text = stableStringify(device).trimEnd().replace(/^/gm, '    ');
    yield index === file.devices.length - 1 ? `${text}\n` : `${text},\n`;
  }
  yield `  ],\n  "schemaVersion": ${JSON.stringify(file.schemaVersion)}\n}\n`;
}
