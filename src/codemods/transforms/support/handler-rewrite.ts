import { ts } from 'ts-morph';
import { indentationAt } from '../../edits/statement-edits.js';
import { braceArrowBody } from './statement-insertion.js';
import type { AnalysedFile, FileEdits } from '../transform.js';

/**
 * How a listener changes when the Azure SDK calls it with other arguments: its
 * parameter list, statements that rebuild the old parameters from the new ones, and
 * expressions replaced in its body. The body itself stays as the developer wrote it.
 */
export interface HandlerRewrite {
  params: readonly string[];
  prologue: readonly string[];
  substitutions: readonly Substitution[];
  deletions: readonly ts.Statement[];
}

export type InlineHandler = ts.ArrowFunction | ts.FunctionExpression;

/** An expression of the listener's body replaced by new text, or a range of it (`error !== undefined || `). */
export type Substitution = { node: ts.Node; text: string } | { start: number; end: number; text: string };

export function applyHandlerRewrite(file: AnalysedFile, edits: FileEdits, handler: InlineHandler, rewrite: HandlerRewrite): void {
  replaceParameters(file, edits, handler, rewrite.params);
  if (rewrite.prologue.length > 0) insertPrologue(file, edits, handler, rewrite.prologue);
  for (const substitution of rewrite.substitutions) {
    if ('node' in substitution) edits.replace(substitution.node, substitution.text);
    else edits.replaceRange(substitution.start, substitution.end, substitution.text);
  }
  for (const statement of rewrite.deletions) edits.deleteStatement(statement);
}

/** Identifiers in the handler that refer to its parameter at `index`. */
export function parameterReferences(file: AnalysedFile, handler: ts.SignatureDeclaration, index: number): ts.Identifier[] {
  const parameter = handler.parameters[index];
  if (parameter === undefined || !ts.isIdentifier(parameter.name)) return [];
  const name = parameter.name;
  const found: ts.Identifier[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node !== name && node.text === name.text && file.index.declarationOf(node) === parameter) found.push(node);
    ts.forEachChild(node, visit);
  };
  const body = (handler as ts.FunctionLikeDeclaration).body;
  if (body !== undefined) visit(body);
  return found;
}

export function parameterName(handler: ts.SignatureDeclaration, index: number): string | undefined {
  const parameter = handler.parameters[index];
  return parameter !== undefined && ts.isIdentifier(parameter.name) ? parameter.name.text : undefined;
}

function replaceParameters(file: AnalysedFile, edits: FileEdits, handler: InlineHandler, params: readonly string[]): void {
  const text = params.join(', ');
  const open = handler.getChildren(file.sourceFile).find((child) => child.kind === ts.SyntaxKind.OpenParenToken);
  const close = handler.getChildren(file.sourceFile).find((child) => child.kind === ts.SyntaxKind.CloseParenToken);
  if (open !== undefined && close !== undefined) {
    edits.replaceRange(open.end, close.getStart(file.sourceFile), text);
    return;
  }
  // `topic => …`: a single parameter without parentheses.
  const only = handler.parameters[0];
  if (only !== undefined) edits.replace(only, `(${text})`);
}

function insertPrologue(file: AnalysedFile, edits: FileEdits, handler: InlineHandler, prologue: readonly string[]): void {
  const unit = file.style.indentUnit;
  const handlerIndent = indentationAt(file.text, handler.getStart(file.sourceFile));
  const body = handler.body;
  if (ts.isBlock(body)) {
    const first = body.statements[0];
    const inner = first === undefined ? `${handlerIndent}${unit}` : indentationAt(file.text, first.getStart(file.sourceFile));
    edits.insert(body.getStart(file.sourceFile) + 1, prologue.map((line) => `\n${inner}${line}`).join(''));
    return;
  }
  if (ts.isArrowFunction(handler)) braceArrowBody(file, edits, handler, prologue);
}
