import { ts } from 'ts-morph';
import type { TextEdit } from './text-edits.js';

export function lineStartOf(text: string, position: number): number {
  const newline = text.lastIndexOf('\n', position - 1);
  return newline === -1 ? 0 : newline + 1;
}

/** The whitespace before the first code on the line holding `position`. */
export function indentationAt(text: string, position: number): string {
  const start = lineStartOf(text, position);
  const match = /^[ \t]*/.exec(text.slice(start, position + 1));
  return match?.[0] ?? '';
}

/**
 * The statement (or class member) a node sits in: where a TODO comment about the node
 * goes, and what is commented out when the node cannot be kept.
 */
export function siteStatementOf(node: ts.Node): ts.Node {
  let current: ts.Node = node;
  while (current.parent !== undefined) {
    const parent = current.parent;
    if (ts.isSourceFile(parent) || ts.isBlock(parent) || ts.isModuleBlock(parent) || ts.isCaseClause(parent) || ts.isDefaultClause(parent)) {
      return current;
    }
    if ((ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && ts.isClassElement(current)) return current;
    if (ts.isObjectLiteralExpression(parent) && ts.isMethodDeclaration(current) && isOnOwnLine(current)) return current;
    current = parent;
  }
  return current;
}

function isOnOwnLine(node: ts.Node): boolean {
  const sourceFile = node.getSourceFile();
  const start = node.getStart(sourceFile);
  return sourceFile.text.slice(lineStartOf(sourceFile.text, start), start).trim() === '';
}

/** Inserts whole lines before the line a statement starts on, at its indentation. */
export function insertLinesBefore(sourceFile: ts.SourceFile, statement: ts.Node, lines: readonly string[], findingKey?: number): TextEdit {
  const text = sourceFile.text;
  const start = statement.getStart(sourceFile);
  const indent = indentationAt(text, start);
  const at = lineStartOf(text, start);
  const rendered = lines.map((line) => (line === '' ? '\n' : `${indent}${indentLines(line, indent)}\n`)).join('');
  return { start: at, end: at, text: rendered, kind: 'insert', findingKey };
}

/**
 * Removes a statement, or a run of adjacent statements, with their lines when they had
 * them to themselves. A blank line that would be left right after a block's `{` or
 * right before its `}` goes too, so the block reads as if it was written that way.
 */
export function deleteStatement(sourceFile: ts.SourceFile, first: ts.Node, last: ts.Node = first): TextEdit {
  const text = sourceFile.text;
  const start = first.getStart(sourceFile);
  const lineStart = lineStartOf(text, start);
  const aloneBefore = text.slice(lineStart, start).trim() === '';
  const lineEnd = text.indexOf('\n', last.end);
  const restOfLine = text.slice(last.end, lineEnd === -1 ? text.length : lineEnd);
  if (!aloneBefore || restOfLine.trim() !== '') return { start, end: last.end, text: '', kind: 'replace' };
  let from = lineStart;
  let to = lineEnd === -1 ? text.length : lineEnd + 1;
  const previousLine = text.slice(lineStartOf(text, Math.max(0, from - 1)), Math.max(0, from - 1));
  const nextLineEnd = text.indexOf('\n', to);
  const nextLine = text.slice(to, nextLineEnd === -1 ? text.length : nextLineEnd);
  const opensBlockOrFile = from === 0 || previousLine.trimEnd().endsWith('{') || previousLine.trim() === '';
  if (opensBlockOrFile && nextLine.trim() === '' && nextLineEnd !== -1) {
    to = nextLineEnd + 1;
  } else if (/^\s*[}\]]/.test(nextLine) && previousLine.trim() === '' && from > 0) {
    from = lineStartOf(text, from - 1);
  }
  return { start: from, end: to, text: '', kind: 'replace' };
}

/**
 * Comments a statement out line by line, keeping its indentation, so the developer
 * sees the AWS code the TODO above it is about and nothing of it runs any more.
 */
export function commentOutStatement(sourceFile: ts.SourceFile, statement: ts.Node, through: ts.Node = statement): TextEdit {
  const text = sourceFile.text;
  const start = statement.getStart(sourceFile);
  const end = through.end;
  const indent = indentationAt(text, start);
  const lines = text.slice(start, end).split('\n');
  const commented = lines.map((line, index) => {
    if (index === 0) return `// ${line}`;
    if (line.trim() === '') return `${indent}//`;
    return line.startsWith(indent) ? `${indent}// ${line.slice(indent.length)}` : `// ${line}`;
  });
  return { start, end, text: commented.join('\n'), kind: 'neutralise' };
}

/** Re-indents generated multi-line code to sit at `indent`. Lines are given relative to column 0. */
export function indentLines(code: string, indent: string): string {
  return code
    .split('\n')
    .map((line, index) => (index === 0 || line === '' ? line : `${indent}${line}`))
    .join('\n');
}

/** True when `inner` lies within `outer` (by source range). */
export function contains(outer: { pos: number; end: number }, inner: { pos: number; end: number }): boolean {
  return inner.pos >= outer.pos && inner.end <= outer.end;
}

/** Inserts whole lines after the line a statement ends on, at its indentation. */
export function insertLinesAfter(sourceFile: ts.SourceFile, statement: ts.Node, lines: readonly string[]): TextEdit {
  const text = sourceFile.text;
  const indent = indentationAt(text, statement.getStart(sourceFile));
  const lineEnd = text.indexOf('\n', statement.end);
  const at = lineEnd === -1 ? text.length : lineEnd + 1;
  const rendered = lines.map((line) => (line === '' ? '\n' : `${indent}${indentLines(line, indent)}\n`)).join('');
  return { start: at, end: at, text: lineEnd === -1 ? `\n${rendered}` : rendered, kind: 'insert' };
}
