/** The marker every unmapped construct carries in the rewritten code. */
export const TODO_MARKER = 'TODO(iotmigrate):';

/** Comment lines end by this column, counting indentation, when the words allow it. */
const MAX_COLUMN = 100;

/**
 * `// TODO(iotmigrate): <note>` wrapped at word boundaries; continuation lines start
 * with `//   ` so the comment reads as one item. Joining the lines' text with spaces
 * gives the note back: a tool (or a test) can match comments to report findings.
 */
export function renderTodoComment(note: string, indentWidth: number): string[] {
  const width = Math.max(40, MAX_COLUMN - indentWidth);
  const lines: string[] = [];
  let current = `// ${TODO_MARKER}`;
  for (const word of note.split(/\s+/).filter((part) => part !== '')) {
    if (current.length + 1 + word.length > width && !current.endsWith(TODO_MARKER) && current !== '//  ') {
      lines.push(current);
      current = `//  `;
    }
    current = `${current} ${word}`;
  }
  lines.push(current);
  return lines;
}
