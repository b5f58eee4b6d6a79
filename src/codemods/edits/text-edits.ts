/**
 * A change to a file's original text. Every transform describes its changes against
 * the text the checker analysed, so no transform ever re-parses another's output.
 */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
  /**
   * `neutralise` comments code out; edits of later transforms inside its range would
   * be lost, so they skip claimed ranges instead (see AnalysedFile.isClaimed).
   */
  kind: 'replace' | 'insert' | 'neutralise' | 'indent';
  /** On a TODO comment's insertion: the finding whose line is where this text lands. */
  findingKey?: number;
  /** The transform that made the edit, for the message when two collide. */
  origin?: string;
  /**
   * For `indent`: original ranges (multi-line template literals) whose lines must not
   * move, since their leading spaces are part of a string.
   */
  keep?: ReadonlyArray<{ start: number; end: number }>;
}

export class EditConflictError extends Error {
  constructor(
    readonly first: TextEdit,
    readonly second: TextEdit,
  ) {
    super(
      `overlapping edits at ${first.start}-${first.end} (${first.origin ?? 'imports'}) and ${second.start}-${second.end} (${second.origin ?? 'imports'})`,
    );
    this.name = 'EditConflictError';
  }
}

export interface AppliedEdits {
  text: string;
  /**
   * Offsets from mapOffset() and offsetOfFinding() are in this text: the result before
   * indent edits, which add spaces but never lines, so its line numbers are the result's.
   */
  unindentedText: string;
  /** Where an original offset ended up; offsets inside a replaced range map to its start. */
  mapOffset(offset: number): number;
  /** Where the text of the edit carrying this finding key starts in the output. */
  offsetOfFinding(findingKey: number): number | undefined;
}

/**
 * Applies edits in one pass. Insertions at the same offset keep the order they were
 * made in; a replacement that overlaps another is a bug in a transform and throws.
 * `indent` edits then push every line of their (rewritten) range one level right: code
 * that a rewrite nests one level deeper (a listener that moves into a callback) keeps
 * reading right, whatever other transforms changed inside it.
 */
export function applyTextEdits(original: string, edits: readonly TextEdit[]): AppliedEdits {
  const applied = applyReplacements(
    original,
    edits.filter((edit) => edit.kind !== 'indent'),
  );
  const indents = edits.filter((edit) => edit.kind === 'indent');
  if (indents.length === 0) return applied;
  return { ...applied, text: indentLinesOf(applied, indents) };
}

function indentLinesOf(applied: AppliedEdits, indents: readonly TextEdit[]): string {
  const text = applied.text;
  const additions = new Map<number, string>();
  for (const indent of indents) {
    const start = applied.mapOffset(indent.start);
    const end = applied.mapOffset(indent.end);
    const kept = (indent.keep ?? []).map((range) => ({ start: applied.mapOffset(range.start), end: applied.mapOffset(range.end) }));
    for (let newline = text.indexOf('\n', start); newline !== -1 && newline < end; newline = text.indexOf('\n', newline + 1)) {
      const lineStart = newline + 1;
      if (lineStart >= end || text[lineStart] === '\n' || kept.some((range) => lineStart > range.start && lineStart <= range.end)) continue;
      additions.set(lineStart, (additions.get(lineStart) ?? '') + indent.text);
    }
  }
  const parts: string[] = [];
  let cursor = 0;
  for (const at of [...additions.keys()].sort((a, b) => a - b)) {
    parts.push(text.slice(cursor, at), additions.get(at)!);
    cursor = at;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}

function applyReplacements(original: string, edits: readonly TextEdit[]): AppliedEdits {
  const ordered = edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.start - b.edit.start || rangeRank(a.edit) - rangeRank(b.edit) || a.order - b.order)
    .map(({ edit }) => edit);
  for (let index = 1; index < ordered.length; index += 1) {
    const previous = ordered[index - 1]!;
    const current = ordered[index]!;
    if (current.start < previous.end) throw new EditConflictError(previous, current);
  }

  const parts: string[] = [];
  const shifts: Array<{ start: number; end: number; outputStart: number; outputEnd: number }> = [];
  const findingOffsets = new Map<number, number>();
  let cursor = 0;
  let outputLength = 0;
  for (const edit of ordered) {
    const unchanged = original.slice(cursor, edit.start);
    parts.push(unchanged);
    outputLength += unchanged.length;
    if (edit.findingKey !== undefined) findingOffsets.set(edit.findingKey, outputLength);
    shifts.push({ start: edit.start, end: edit.end, outputStart: outputLength, outputEnd: outputLength + edit.text.length });
    parts.push(edit.text);
    outputLength += edit.text.length;
    cursor = edit.end;
  }
  parts.push(original.slice(cursor));

  const mapOffset = (offset: number): number => {
    let delta = 0;
    for (const shift of shifts) {
      if (shift.start > offset) break;
      // Text inserted exactly at the offset comes before the original text there.
      if (shift.start !== shift.end && offset < shift.end) return shift.outputStart;
      delta = shift.outputEnd - shift.end;
    }
    return offset + delta;
  };
  const text = parts.join('');
  return { text, unindentedText: text, mapOffset, offsetOfFinding: (key) => findingOffsets.get(key) };
}

/** Insertions sort before a replacement starting at the same offset. */
function rangeRank(edit: TextEdit): number {
  return edit.start === edit.end ? 0 : 1;
}

/** 1-based line numbers for offsets of one text, by binary search over line starts. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let index = 0; index < text.length; index += 1) {
      if (text.charCodeAt(index) === 10) this.starts.push(index + 1);
    }
  }

  lineOf(offset: number): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}
