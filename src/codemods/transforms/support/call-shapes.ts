import { ts } from 'ts-morph';
import { enclosingFunction } from '../../analysis/aws-value-index.js';

/** How the value of a call is used where it stands. */
export type CallUse =
  /** `x.f();` */
  | 'statement'
  /** `await x.f();` */
  | 'awaited-statement'
  /** `void x.f();` */
  | 'voided-statement'
  /** `return x.f();`, `() => x.f()`, `const r = await x.f()`, `x.f().then(...)`: the result matters. */
  | 'value';

export function useOfCall(call: ts.Expression): CallUse {
  const parent = call.parent;
  if (ts.isExpressionStatement(parent)) return 'statement';
  if (ts.isAwaitExpression(parent) && ts.isExpressionStatement(parent.parent)) return 'awaited-statement';
  if (ts.isVoidExpression(parent) && ts.isExpressionStatement(parent.parent)) return 'voided-statement';
  return 'value';
}

/** The statement a call is the whole of (under `await` or `void`), if it is one. */
export function statementOfCall(call: ts.Expression): ts.ExpressionStatement | undefined {
  const parent = call.parent;
  if (ts.isExpressionStatement(parent)) return parent;
  if ((ts.isAwaitExpression(parent) || ts.isVoidExpression(parent)) && ts.isExpressionStatement(parent.parent)) return parent.parent;
  return undefined;
}

export function isInAsyncFunction(node: ts.Node): boolean {
  const fn = enclosingFunction(node);
  if (fn === undefined) {
    // Top-level await in an ES module.
    return ts.isExternalModule(node.getSourceFile());
  }
  return (ts.getCombinedModifierFlags(fn as ts.Declaration) & ts.ModifierFlags.Async) !== 0;
}

/** The inline function passed as an argument, or undefined for a name or anything else. */
export function inlineFunction(argument: ts.Expression | undefined): ts.ArrowFunction | ts.FunctionExpression | undefined {
  if (argument === undefined) return undefined;
  return ts.isArrowFunction(argument) || ts.isFunctionExpression(argument) ? argument : undefined;
}

/** The text of a string literal argument: an event name, a method name. */
export function literalText(expression: ts.Expression | undefined): string | undefined {
  return expression !== undefined && ts.isStringLiteralLike(expression) ? expression.text : undefined;
}

/** The variable a value is stored in: `const x = <node>` (through `await` and parentheses). */
export function declarationHolding(node: ts.Expression): ts.VariableDeclaration | undefined {
  let current: ts.Node = node;
  while (ts.isAwaitExpression(current.parent) || ts.isParenthesizedExpression(current.parent)) current = current.parent;
  const parent = current.parent;
  return ts.isVariableDeclaration(parent) && parent.initializer === current && ts.isIdentifier(parent.name) ? parent : undefined;
}
