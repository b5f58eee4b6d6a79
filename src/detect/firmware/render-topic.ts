import { ts } from 'ts-morph';

/** Stands for a part of a topic only known at run time. */
const RUNTIME_VALUE = '\u0000';

/** Guards against `const a = b; const b = a;` and other cycles. */
const MAX_CONST_DEPTH = 8;

/**
 * The MQTT topic (or topic filter) an expression evaluates to, as far as the syntax
 * tree alone tells: string literals as they are, templates and `+` concatenations with
 * every part only known at run time turned into the single-level wildcard `+`, and
 * identifiers followed to a `const` in the same file. A topic level that is partly
 * known (`dev-${id}`) becomes `+` as a whole, because a wildcard must fill its level.
 * A `let` or `var` that is never assigned again counts as a `const`: legacy firmware
 * written before ES2015 habits declares its topics with `var`.
 * undefined when nothing of the topic is known statically.
 */
export function renderTopic(expression: ts.Expression): string | undefined {
  const parts = topicParts(expression, 0);
  if (parts === undefined) return undefined;
  const joined = parts.join('');
  if (joined === '') return undefined;
  // `${a}/${b}` says nothing about the topic: every level would be a wildcard.
  if (joined.includes(RUNTIME_VALUE) && joined.replaceAll(RUNTIME_VALUE, '').replaceAll('/', '') === '') {
    return undefined;
  }
  return joined
    .split('/')
    .map((level) => (level.includes(RUNTIME_VALUE) ? '+' : level))
    .join('/');
}

function topicParts(expression: ts.Expression, depth: number): string[] | undefined {
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) {
    return [expression.text];
  }
  if (ts.isTemplateExpression(expression)) {
    const parts = [expression.head.text];
    for (const span of expression.templateSpans) {
      parts.push(...embeddedParts(span.expression, depth), span.literal.text);
    }
    return parts;
  }
  if (ts.isBinaryExpression(expression) && expression.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    return [...embeddedParts(expression.left, depth), ...embeddedParts(expression.right, depth)];
  }
  if (
    ts.isParenthesizedExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression) ||
    ts.isNonNullExpression(expression) ||
    ts.isTypeAssertionExpression(expression)
  ) {
    return topicParts(expression.expression, depth);
  }
  if (ts.isIdentifier(expression) && depth < MAX_CONST_DEPTH) {
    const initializer = constantInitializerOf(expression);
    return initializer === undefined ? undefined : topicParts(initializer, depth + 1);
  }
  return undefined;
}

/** A part of a template or concatenation: known text if it resolves, else a run-time value. */
function embeddedParts(expression: ts.Expression, depth: number): string[] {
  return topicParts(expression, depth) ?? [RUNTIME_VALUE];
}

/**
 * The initializer of the constant an identifier refers to, found by walking out through
 * the enclosing scopes of the same file (no type checker, so this stays fast). Anything
 * that shadows the name on the way out (a parameter, a function, a loop variable), a
 * variable that is assigned again, or a name not declared in the file (an import)
 * gives undefined.
 */
function constantInitializerOf(identifier: ts.Identifier): ts.Expression | undefined {
  const name = identifier.text;
  for (let scope: ts.Node | undefined = identifier.parent; scope !== undefined; scope = scope.parent) {
    if (ts.isFunctionLike(scope) && scope.parameters.some((parameter) => bindsName(parameter.name, name))) {
      return undefined;
    }
    if (ts.isCatchClause(scope) && scope.variableDeclaration !== undefined && bindsName(scope.variableDeclaration.name, name)) {
      return undefined;
    }
    if (
      (ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) &&
      scope.initializer !== undefined &&
      ts.isVariableDeclarationList(scope.initializer) &&
      scope.initializer.declarations.some((declaration) => bindsName(declaration.name, name))
    ) {
      return undefined;
    }
    const statements = statementsOf(scope);
    if (statements === undefined) continue;
    for (const statement of statements) {
      if (ts.isVariableStatement(statement)) {
        const list = statement.declarationList;
        const declaration = list.declarations.find((candidate) => bindsName(candidate.name, name));
        if (declaration === undefined) continue;
        if (!ts.isIdentifier(declaration.name)) return undefined;
        const isConst = (list.flags & ts.NodeFlags.Const) !== 0;
        return isConst || !reassignedNames(identifier.getSourceFile()).has(name) ? declaration.initializer : undefined;
      }
      if (
        (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
        statement.name?.text === name
      ) {
        return undefined;
      }
    }
  }
  return undefined;
}

function statementsOf(node: ts.Node): ts.NodeArray<ts.Statement> | undefined {
  if (ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node)) {
    return node.statements;
  }
  return undefined;
}

function bindsName(binding: ts.BindingName, name: string): boolean {
  if (ts.isIdentifier(binding)) return binding.text === name;
  return binding.elements.some((element) => !ts.isOmittedExpression(element) && bindsName(element.name, name));
}

const reassignedNamesCache = new WeakMap<ts.SourceFile, Set<string>>();

/**
 * Names that are assigned anywhere in the file after their declaration. By name, not by
 * scope: a reassignment of any variable of that name disqualifies them all, which can
 * only make a topic unresolved, never wrong.
 */
function reassignedNames(sourceFile: ts.SourceFile): Set<string> {
  const cached = reassignedNamesCache.get(sourceFile);
  if (cached !== undefined) return cached;
  const names = new Set<string>();
  const addTargets = (target: ts.Node): void => {
    if (ts.isIdentifier(target)) {
      names.add(target.text);
    } else {
      ts.forEachChild(target, addTargets);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && isAssignmentOperator(node.operatorToken.kind)) {
      addTargets(node.left);
    } else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    ) {
      addTargets(node.operand);
    } else if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) && !ts.isVariableDeclarationList(node.initializer)) {
      addTargets(node.initializer);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  reassignedNamesCache.set(sourceFile, names);
  return names;
}

function isAssignmentOperator(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}
