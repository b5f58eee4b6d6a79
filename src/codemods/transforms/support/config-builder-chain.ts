import { ts } from 'ts-morph';
import { enclosingFunction, unwrap } from '../../analysis/aws-value-index.js';
import type { AnalysedFile } from '../transform.js';

/** One call on a v2 connection config builder: the static factory or a `with…` setter. */
export interface BuilderCall {
  method: string;
  args: readonly ts.Expression[];
  node: ts.CallExpression;
}

/**
 * A v2 SDK config builder, from its static factory to build(), with every setter on
 * the way: chained (`…new_mtls_builder_from_path(c, k).with_client_id(id).build()`) or
 * called on a builder variable as separate statements. statementsToDelete are the
 * builder's own statements, which the Azure client makes unnecessary.
 */
export interface BuilderChain {
  factory: BuilderCall;
  setters: BuilderCall[];
  statementsToDelete: ts.Statement[];
  /** Where build()'s result is kept, when it is: `const config = ….build()`. */
  resultVariable?: ts.VariableDeclaration;
}

const BUILDER_KINDS = new Set(['v2-mqtt3-config-builder', 'v2-mqtt5-config-builder']);

/**
 * The builder chain behind a config argument (`new_connection(config)`,
 * `new Mqtt5Client(builder.build())`), when it is in the same file.
 */
export function builderChainOf(file: AnalysedFile, configArgument: ts.Expression): BuilderChain | undefined {
  let expression = unwrap(configArgument);
  let resultVariable: ts.VariableDeclaration | undefined;
  const statementsToDelete: ts.Statement[] = [];
  if (ts.isIdentifier(expression)) {
    const declaration = file.index.declarationOf(expression);
    if (declaration === undefined || !ts.isVariableDeclaration(declaration) || declaration.getSourceFile() !== file.sourceFile) return undefined;
    if (declaration.initializer === undefined) return undefined;
    resultVariable = declaration;
    expression = unwrap(declaration.initializer);
  }
  if (!isBuildCall(file, expression)) return undefined;

  const calls: BuilderCall[] = [];
  let current: ts.Expression = (expression.expression as ts.PropertyAccessExpression).expression;
  for (;;) {
    current = unwrap(current);
    if (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
      const entity = file.entities.entityOf(current.expression);
      calls.unshift({ method: current.expression.name.text, args: current.arguments, node: current });
      if (entity !== undefined) break;
      current = current.expression.expression;
      continue;
    }
    if (ts.isIdentifier(current)) {
      const declaration = file.index.declarationOf(current);
      if (declaration === undefined || !ts.isVariableDeclaration(declaration) || declaration.initializer === undefined) return undefined;
      if (declaration.getSourceFile() !== file.sourceFile) return undefined;
      calls.splice(0, 0, ...settersOnVariable(file, declaration));
      statementsToDelete.push(...statementsOnVariable(file, declaration), declaration.parent.parent as ts.Statement);
      current = declaration.initializer;
      continue;
    }
    return undefined;
  }
  const [factory, ...setters] = calls;
  if (factory === undefined) return undefined;
  return { factory, setters, statementsToDelete, ...(resultVariable === undefined ? {} : { resultVariable }) };
}

function isBuildCall(file: AnalysedFile, expression: ts.Expression): expression is ts.CallExpression & { expression: ts.PropertyAccessExpression } {
  if (!ts.isCallExpression(expression) || !ts.isPropertyAccessExpression(expression.expression)) return false;
  if (expression.expression.name.text !== 'build') return false;
  const kind = file.kindOf(expression.expression.expression);
  return kind !== undefined && BUILDER_KINDS.has(kind);
}

/** `builder.withX(...)` statements in the builder variable's scope, in source order. */
function statementsOnVariable(file: AnalysedFile, declaration: ts.VariableDeclaration): ts.ExpressionStatement[] {
  const fn = enclosingFunction(declaration);
  const scope: ts.Node | undefined = fn === undefined ? file.sourceFile : (fn as ts.FunctionLikeDeclaration).body;
  const found: ts.ExpressionStatement[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node) && baseIdentifierDeclaration(file, node.expression) === declaration) found.push(node);
    ts.forEachChild(node, visit);
  };
  if (scope !== undefined) visit(scope);
  return found;
}

function settersOnVariable(file: AnalysedFile, declaration: ts.VariableDeclaration): BuilderCall[] {
  const calls: BuilderCall[] = [];
  for (const statement of statementsOnVariable(file, declaration)) {
    const chain: BuilderCall[] = [];
    let current: ts.Expression = statement.expression;
    while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) {
      chain.unshift({ method: current.expression.name.text, args: current.arguments, node: current });
      current = current.expression.expression;
    }
    calls.push(...chain);
  }
  return calls;
}

function baseIdentifierDeclaration(file: AnalysedFile, expression: ts.Expression): ts.Node | undefined {
  let current = expression;
  while (ts.isCallExpression(current) && ts.isPropertyAccessExpression(current.expression)) current = current.expression.expression;
  return ts.isIdentifier(current) && current !== expression ? file.index.declarationOf(current) : undefined;
}
