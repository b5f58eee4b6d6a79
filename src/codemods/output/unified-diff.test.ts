import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './unified-diff.js';

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a.js', 'x\n', 'x\n')).toBe('');
  });

  it('writes hunks with three lines of context, as git does', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'].join('\n') + '\n';
    const after = before.replace('2\n', 'two\n').replace('11\n', 'eleven\n');
    expect(unifiedDiff('src/n.js', before, after)).toBe(
      [
        '--- a/src/n.js',
        '+++ b/src/n.js',
        '@@ -1,5 +1,5 @@',
        ' 1',
        '-2',
        '+two',
        ' 3',
        ' 4',
        ' 5',
        '@@ -8,5 +8,5 @@',
        ' 8',
        ' 9',
        ' 10',
        '-11',
        '+eleven',
        ' 12',
        '',
      ].join('\n'),
    );
  });

  it('handles a new file and an emptied one', () => {
    expect(unifiedDiff('new.js', '', 'a\n')).toBe('--- a/new.js\n+++ b/new.js\n@@ -0,0 +1 @@\n+a\n');
    expect(unifiedDiff('gone.js', 'a\nb\n', '')).toBe('--- a/gone.js\n+++ b/gone.js\n@@ -1,2 +0,0 @@\n-a\n-b\n');
  });
});
