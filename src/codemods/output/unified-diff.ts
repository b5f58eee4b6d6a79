/** Lines of context around each change, as `diff -u` and git show. */
const CONTEXT = 3;

type Operation = { kind: 'keep' | 'remove' | 'add'; line: string };

/**
 * A unified diff of one file (`--- a/path`, `+++ b/path`, `@@` hunks), the format
 * `git apply` and review tools read. Empty when the texts are equal.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  const operations = diffLines(splitLines(before), splitLines(after));
  const hunks = hunksOf(operations);
  const header = `--- a/${path}\n+++ b/${path}\n`;
  return header + hunks.join('');
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Myers' O(ND) shortest edit script over lines. */
function diffLines(a: readonly string[], b: readonly string[]): Operation[] {
  const max = a.length + b.length;
  const offset = max + 1;
  const frontier = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d += 1) {
    trace.push(frontier.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && frontier[offset + k - 1]! < frontier[offset + k + 1]!) ? frontier[offset + k + 1]! : frontier[offset + k - 1]! + 1;
      let y = x - k;
      while (x < a.length && y < b.length && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      frontier[offset + k] = x;
      if (x >= a.length && y >= b.length) {
        found = true;
        break;
      }
    }
  }
  const operations: Operation[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = trace.length - 1; d >= 0; d -= 1) {
    const previous = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && previous[offset + k - 1]! < previous[offset + k + 1]!);
    const previousK = down ? k + 1 : k - 1;
    const previousX = previous[offset + previousK]!;
    const previousY = previousX - previousK;
    while (x > previousX && y > previousY) {
      operations.push({ kind: 'keep', line: a[x - 1]! });
      x -= 1;
      y -= 1;
    }
    if (d === 0) break;
    if (down) operations.push({ kind: 'add', line: b[y - 1]! });
    else operations.push({ kind: 'remove', line: a[x - 1]! });
    x = previousX;
    y = previousY;
  }
  return operations.reverse();
}

function hunksOf(operations: readonly Operation[]): string[] {
  const hunks: string[] = [];
  let index = 0;
  while (index < operations.length) {
    while (index < operations.length && operations[index]!.kind === 'keep') index += 1;
    if (index >= operations.length) break;
    const start = Math.max(0, index - CONTEXT);
    let end = index;
    // Extend over changes separated by at most 2 * CONTEXT unchanged lines.
    for (let unchanged = 0; end < operations.length; end += 1) {
      unchanged = operations[end]!.kind === 'keep' ? unchanged + 1 : 0;
      if (unchanged > 2 * CONTEXT) {
        end -= CONTEXT;
        break;
      }
    }
    end = Math.min(end, operations.length);
    const slice = operations.slice(start, end);
    const oldStart = countBefore(operations, start, 'add') + 1;
    const newStart = countBefore(operations, start, 'remove') + 1;
    const oldLength = slice.filter((operation) => operation.kind !== 'add').length;
    const newLength = slice.filter((operation) => operation.kind !== 'remove').length;
    const body = slice.map((operation) => `${operation.kind === 'keep' ? ' ' : operation.kind === 'add' ? '+' : '-'}${operation.line}\n`).join('');
    hunks.push(`@@ -${range(oldStart, oldLength)} +${range(newStart, newLength)} @@\n${body}`);
    index = end;
  }
  return hunks;
}

/** Lines of the old (or new) file before operation `end`: every operation but the other side's. */
function countBefore(operations: readonly Operation[], end: number, otherSide: 'add' | 'remove'): number {
  let count = 0;
  for (let index = 0; index < end; index += 1) if (operations[index]!.kind !== otherSide) count += 1;
  return count;
}

function range(start: number, length: number): string {
  if (length === 0) return `${start - 1},0`;
  return length === 1 ? `${start}` : `${start},${length}`;
}
