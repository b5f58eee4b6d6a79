import { describe, expect, it } from 'vitest';
import { diffAsPatch, mergePatch, readSectionInput, sectionView, twinEtag, type JsonObject, type TwinSection } from './twin-document.js';

describe('twin documents', () => {
  it('merges a patch, deleting what is null, and stamps the metadata of what it wrote', () => {
    const section: TwinSection = { properties: { a: 1, nested: { keep: true, drop: 'x' } }, version: 2, metadata: { lastUpdated: 't0' } };
    mergePatch(section.properties, section.metadata, { a: null, nested: { drop: null, add: [1, 2] }, b: 'new' }, { time: 't1', version: 3 });
    expect(section.properties).toEqual({ nested: { keep: true, add: [1, 2] }, b: 'new' });
    expect(sectionView({ ...section, version: 3 }, { metadata: true })).toEqual({
      nested: { keep: true, add: [1, 2] },
      b: 'new',
      $metadata: {
        $lastUpdated: 't1',
        $lastUpdatedVersion: 3,
        nested: { $lastUpdated: 't1', $lastUpdatedVersion: 3, add: { $lastUpdated: 't1', $lastUpdatedVersion: 3 } },
        b: { $lastUpdated: 't1', $lastUpdatedVersion: 3 },
      },
      $version: 3,
    });
    expect(sectionView(section, { metadata: false })).not.toHaveProperty('$metadata');
  });

  it('keeps names such as __proto__ as ordinary properties', () => {
    const target: JsonObject = {};
    mergePatch(target, { lastUpdated: 't0' }, JSON.parse('{"__proto__": {"polluted": true}}') as JsonObject, { time: 't1' });
    expect(Object.keys(target)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('diffs two documents into the merge patch between them', () => {
    expect(diffAsPatch({ a: 1, b: { c: 1, d: 2 }, e: 1 }, { a: 1, b: { c: 2 }, f: 'x' })).toEqual({ e: null, b: { c: 2, d: null }, f: 'x' });
  });

  it('drops the hub-owned $version and $metadata and refuses invalid names and nulls in a whole document', () => {
    expect(readSectionInput({ $version: 9, $metadata: {}, ok: 1 }, 'desired', { allowNull: true })).toEqual({ ok: 1 });
    expect(() => readSectionInput({ 'a.b': 1 }, 'tags', { allowNull: true })).toThrow(/not a valid property name/);
    expect(() => readSectionInput({ a: null }, 'desired', { allowNull: false })).toThrow(/null only deletes/);
    const deep = JSON.parse(`${'{"x":'.repeat(11)}1${'}'.repeat(11)}`) as JsonObject;
    expect(() => readSectionInput(deep, 'reported', { allowNull: true })).toThrow(/deeper than 10/);
  });

  it('formats etags as IoT Hub does: the version as 8 big-endian bytes', () => {
    expect(twinEtag(1)).toBe('AAAAAAAAAAE=');
    expect(twinEtag(7)).toBe('AAAAAAAAAAc=');
  });
});
