import { ts } from 'ts-morph';
import { statementEnd } from '../../edits/source-style.js';
import { indentationAt } from '../../edits/statement-edits.js';
import type { AnalysedFile, FileEdits } from '../transform.js';

/**
 * Puts statements right before the code that needs them (`const message = …` before
 * the send). Before the enclosing statement when it sits in a block; an arrow's
 * expression body or a brace-less `if` body gets braces first, so the new statements
 * run exactly when the code they serve runs.
 */
export function insertStatementsBefore(file: AnalysedFile, edits: FileEdits, node: ts.Node, lines: readonly string[]): void {
  const unit = file.style.indentUnit;
  let current: ts.Node = node;
  for (;;) {
    const parent = current.parent;
    if (ts.isArrowFunction(parent) && parent.body === current) {
      braceArrowBody(file, edits, parent, lines);
      return;
    }
    if (isStatement(current)) {
      if (isBlockLike(parent)) {
        edits.insertLinesBefore(current, lines);
      } else {
        const indent = indentationAt(file.text, parent.getStart(file.sourceFile));
        const inner = `${indent}${unit}`;
        edits.insert(current.getStart(file.sourceFile), `{\n${lines.map((line) => `${inner}${line}\n`).join('')}${inner}`);
        edits.insert(current.end, `\n${indent}}`);
      }
      return;
    }
    current = parent;
  }
}

function isStatement(node: ts.Node): boolean {
  return (
    ts.isExpressionStatement(node) ||
    ts.isVariableStatement(node) ||
    ts.isReturnStatement(node) ||
    ts.isIfStatement(node) ||
    ts.isThrowStatement(node) ||
    ts.isForOfStatement(node) ||
    ts.isForStatement(node) ||
    ts.isWhileStatement(node)
  );
}

function isBlockLike(node: ts.Node): boolean {
  return ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node);
}

/**
 * `(…) => expression` → `(…) => {\n  lines\n  return expression;\n}`: the braces open right
 * after the arrow, whatever line the expression started on.
 */
export function braceArrowBody(file: AnalysedFile, edits: FileEdits, arrow: ts.ArrowFunction, lines: readonly string[]): void {
  const indent = indentationAt(file.text, arrow.getStart(file.sourceFile));
  const inner = `${indent}${file.style.indentUnit}`;
  const body = arrow.body;
  edits.replaceRange(arrow.equalsGreaterThanToken.end, body.getStart(file.sourceFile), ` {\n${lines.map((line) => `${inner}${line}\n`).join('')}${inner}return `);
  edits.insert(body.end, `${statementEnd(file.style)}\n${indent}}`);
}
