import { ts } from 'ts-morph';
import { kindMadeBy, kindOfTypeName, kindReturnedBy, type AwsValueKind } from './aws-value-kinds.js';
import { DeclarationResolver } from './declaration-resolver.js';
import { isAwsIotMqttjsConnect } from './mqttjs-aws-connection.js';
import type { SdkEntityResolver } from './sdk-entities.js';

/** A value moving into a declaration (variable, parameter, property) or out of a function. */
interface Flow {
  into: 'value' | 'return';
  target: ts.Node;
  source: ts.Expression;
}

/** Passes over all flows before giving up on a fixpoint; real code needs two or three. */
const MAX_PASSES = 12;

/**
 * Which expressions hold an AWS IoT client (or shadow client, config builder, ...), as
 * far as the syntax and the checker's symbols tell: made by an SDK call, declared with
 * an SDK type, or handed on through variables, parameters (call sites in any file),
 * returns and properties. This is how `connection.publish(...)` in a file that never
 * imports the SDK is still known to be an AWS publish.
 *
 * Collect every file first, then solve() once; kindOf() is only meaningful after that.
 */
export class AwsValueIndex {
  private readonly resolver: DeclarationResolver;
  private readonly valueKinds = new Map<ts.Node, AwsValueKind>();
  private readonly returnKinds = new Map<ts.Node, AwsValueKind>();
  private readonly flows: Flow[] = [];
  /** Declarations typed `MqttClient` from mqtt.js: AWS clients only if the repo's mqtt.js connections all are. */
  private readonly mqttjsTypedDeclarations: Array<{ into: 'value' | 'return'; target: ts.Node }> = [];
  private readonly nonAwsMqttjsConnects: ts.CallExpression[] = [];
  private readonly solvedKinds = new Map<ts.Node, AwsValueKind | null>();
  private solved = false;

  constructor(
    checker: ts.TypeChecker,
    private readonly entities: SdkEntityResolver,
  ) {
    this.resolver = new DeclarationResolver(checker);
  }

  addFile(sourceFile: ts.SourceFile): void {
    const visit = (node: ts.Node): void => {
      this.collect(node);
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }

  solve(): void {
    if (this.nonAwsMqttjsConnects.length === 0) {
      for (const { into, target } of this.mqttjsTypedDeclarations) this.mapFor(into).set(target, 'mqttjs-client');
    }
    for (let pass = 0; pass < MAX_PASSES; pass += 1) {
      let changed = false;
      for (const flow of this.flows) {
        const map = this.mapFor(flow.into);
        if (map.has(flow.target)) continue;
        const kind = this.evaluate(flow.source);
        if (kind !== undefined) {
          map.set(flow.target, kind);
          changed = true;
        }
      }
      if (!changed) break;
    }
    this.solved = true;
  }

  kindOf(expression: ts.Expression): AwsValueKind | undefined {
    if (!this.solved) throw new Error('AwsValueIndex.kindOf() called before solve()');
    const cached = this.solvedKinds.get(expression);
    if (cached !== undefined) return cached ?? undefined;
    const kind = this.evaluate(expression);
    this.solvedKinds.set(expression, kind ?? null);
    return kind;
  }

  /** The declaration a name refers to, across files. */
  declarationOf(name: ts.Node): ts.Declaration | undefined {
    return this.resolver.declarationOf(name);
  }

  private mapFor(into: 'value' | 'return'): Map<ts.Node, AwsValueKind> {
    return into === 'value' ? this.valueKinds : this.returnKinds;
  }

  private collect(node: ts.Node): void {
    if (ts.isVariableDeclaration(node) || ts.isPropertyDeclaration(node) || ts.isParameter(node)) {
      if (node.type !== undefined) this.seedFromType('value', node, node.type);
      if (node.initializer !== undefined && ts.isIdentifier(node.name)) {
        this.flows.push({ into: 'value', target: node, source: node.initializer });
      }
    }
    if (isFunctionLike(node) && node.type !== undefined) this.seedFromType('return', node, node.type);
    if (ts.isReturnStatement(node) && node.expression !== undefined) {
      const fn = enclosingFunction(node);
      if (fn !== undefined) this.flows.push({ into: 'return', target: fn, source: node.expression });
    }
    if (ts.isArrowFunction(node) && !ts.isBlock(node.body)) {
      this.flows.push({ into: 'return', target: node, source: node.body });
    }
    if (ts.isCallExpression(node)) {
      if (this.isMqttjsConnect(node) && !isAwsIotMqttjsConnect(node)) this.nonAwsMqttjsConnects.push(node);
      const fn = this.resolver.functionOf(node.expression);
      if (fn !== undefined) this.flowArguments(fn.parameters, node.arguments);
    }
    if (ts.isNewExpression(node) && node.arguments !== undefined) {
      const constructor = this.resolver.constructorOf(node.expression);
      if (constructor !== undefined) this.flowArguments(constructor.parameters, node.arguments);
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const name = ts.isIdentifier(node.left) ? node.left : ts.isPropertyAccessExpression(node.left) ? node.left.name : undefined;
      const target = name === undefined ? undefined : this.resolver.declarationOf(name);
      if (target !== undefined) this.flows.push({ into: 'value', target, source: node.right });
    }
  }

  private flowArguments(parameters: ts.NodeArray<ts.ParameterDeclaration>, args: ts.NodeArray<ts.Expression>): void {
    parameters.forEach((parameter, index) => {
      const argument = args[index];
      if (argument !== undefined && ts.isIdentifier(parameter.name) && parameter.dotDotDotToken === undefined) {
        this.flows.push({ into: 'value', target: parameter, source: argument });
      }
    });
  }

  private seedFromType(into: 'value' | 'return', target: ts.Node, type: ts.TypeNode): void {
    const found = this.kindOfType(type);
    if (found === undefined) return;
    if (found.kind === 'mqttjs-client') this.mqttjsTypedDeclarations.push({ into, target });
    else this.mapFor(into).set(target, found.kind);
  }

  private kindOfType(type: ts.TypeNode): { kind: AwsValueKind } | undefined {
    if (ts.isTypeReferenceNode(type)) {
      const entity = this.entities.entityOf(type.typeName);
      const kind = entity === undefined ? undefined : kindOfTypeName(entity);
      if (kind !== undefined) return { kind };
      // Promise<mqtt.MqttClientConnection> from an async factory.
      const [argument] = type.typeArguments ?? [];
      if (ts.isIdentifier(type.typeName) && type.typeName.text === 'Promise' && argument !== undefined) return this.kindOfType(argument);
      return undefined;
    }
    if (ts.isUnionTypeNode(type)) {
      for (const member of type.types) {
        const found = this.kindOfType(member);
        if (found !== undefined) return found;
      }
    }
    if (ts.isParenthesizedTypeNode(type)) return this.kindOfType(type.type);
    return undefined;
  }

  private isMqttjsConnect(call: ts.CallExpression): boolean {
    const entity = this.entities.entityOf(call.expression);
    return entity !== undefined && entity.sdk === 'mqtt' && kindMadeBy(entity) === 'mqttjs-client';
  }

  private evaluate(expression: ts.Expression): AwsValueKind | undefined {
    const node = unwrap(expression);
    if (ts.isCallExpression(node) || ts.isNewExpression(node)) {
      const callee = node.expression;
      const entity = this.entities.entityOf(callee);
      if (entity !== undefined) {
        const made = kindMadeBy(entity);
        if (made === 'mqttjs-client' && ts.isCallExpression(node) && !isAwsIotMqttjsConnect(node)) return undefined;
        return made;
      }
      if (ts.isPropertyAccessExpression(callee)) {
        const receiver = this.evaluate(callee.expression);
        if (receiver !== undefined) return kindReturnedBy(receiver, callee.name.text);
      }
      if (ts.isCallExpression(node)) {
        const fn = this.resolver.functionOf(callee);
        return fn === undefined ? undefined : this.returnKinds.get(fn);
      }
      return undefined;
    }
    if (ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) {
      const declaration = this.resolver.declarationOf(ts.isIdentifier(node) ? node : node.name);
      return declaration === undefined ? undefined : this.valueKinds.get(declaration);
    }
    if (ts.isConditionalExpression(node)) return this.evaluate(node.whenTrue) ?? this.evaluate(node.whenFalse);
    if (
      ts.isBinaryExpression(node) &&
      (node.operatorToken.kind === ts.SyntaxKind.BarBarToken || node.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken)
    ) {
      return this.evaluate(node.left) ?? this.evaluate(node.right);
    }
    return undefined;
  }
}

/** Strips what does not change a value: parentheses, `await`, type assertions, `!`. */
export function unwrap(expression: ts.Expression): ts.Expression {
  let node = expression;
  while (
    ts.isParenthesizedExpression(node) ||
    ts.isAwaitExpression(node) ||
    ts.isAsExpression(node) ||
    ts.isSatisfiesExpression(node) ||
    ts.isNonNullExpression(node) ||
    ts.isTypeAssertionExpression(node)
  ) {
    node = node.expression;
  }
  return node;
}

export function isFunctionLike(node: ts.Node): node is ts.SignatureDeclaration & { body?: ts.ConciseBody } {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isGetAccessorDeclaration(node)
  );
}

export function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current !== undefined; current = current.parent) {
    if (isFunctionLike(current) || ts.isConstructorDeclaration(current)) return current;
  }
  return undefined;
}
