import { describe, expect, it } from 'vitest';
import { applyTextEdits, EditConflictError, LineIndex } from './text-edits.js';

describe('applyTextEdits', () => {
  const text = 'const a = 1;\nconst b = 2;\nconst c = 3;\n';

  it('applies replacements and insertions in one pass, insertions at one offset in the order given', () => {
    const applied = applyTextEdits(text, [
      { start: 23, end: 24, text: '20', kind: 'replace' },
      { start: 13, end: 13, text: '// first\n', kind: 'insert' },
      { start: 13, end: 13, text: '// second\n', kind: 'insert' },
    ]);
    expect(applied.text).toBe('const a = 1;\n// first\n// second\nconst b = 20;\nconst c = 3;\n');
    expect(applied.mapOffset(26)).toBe(applied.text.indexOf('const c'));
    expect(applied.mapOffset(23)).toBe(applied.text.indexOf('20'));
  });

  it('says where the text of a finding edit landed', () => {
    const applied = applyTextEdits(text, [{ start: 26, end: 26, text: '// TODO\n', kind: 'insert', findingKey: 7 }]);
    expect(new LineIndex(applied.unindentedText).lineOf(applied.offsetOfFinding(7)!)).toBe(3);
  });

  it('throws on overlapping replacements, naming the transforms', () => {
    expect(() =>
      applyTextEdits(text, [
        { start: 0, end: 12, text: 'x', kind: 'replace', origin: 'one' },
        { start: 6, end: 7, text: 'y', kind: 'replace', origin: 'two' },
      ]),
    ).toThrow(EditConflictError);
  });

  it('indents the lines of a range by one level after the other edits, leaving multi-line strings alone', () => {
    const source = 'wrap(function () {\n  run(`a\nb`);\n});\n';
    const applied = applyTextEdits(source, [
      { start: 0, end: 0, text: 'outer(() => {\n', kind: 'insert' },
      { start: 0, end: source.length - 1, text: '  ', kind: 'indent', keep: [{ start: 25, end: 31 }] },
    ]);
    expect(applied.text).toBe('outer(() => {\nwrap(function () {\n    run(`a\nb`);\n  });\n');
  });
});
