import { ts } from 'ts-morph';
import { deviceSdkModuleOf, serviceOfDeepImport, type FirmwareFlavour } from '../../detect/firmware/device-sdk-modules.js';

/**
 * Something a device SDK exports, named by its path from the package root:
 * `{ sdk: 'aws-iot-device-sdk-v2', path: ['mqtt', 'QoS', 'AtLeastOnce'] }`. aws-crt is
 * the v2 SDK's own MQTT layer and is reported as v2.
 */
export interface SdkEntity {
  sdk: FirmwareFlavour;
  path: readonly string[];
}

/** One local name bound to a device SDK module or one of its exports. */
export interface SdkBinding {
  name: ts.Identifier;
  symbol: ts.Symbol;
  entity: SdkEntity;
}

/** An import or require of a device SDK module, with the names it binds. */
export interface SdkImport {
  /** The whole statement: ImportDeclaration, ImportEqualsDeclaration or VariableStatement. */
  statement: ts.Statement;
  specifier: string;
  sdk: FirmwareFlavour;
  bindings: SdkBinding[];
}

const SERVICE_EXPORTS: Readonly<Record<string, string>> = { shadow: 'iotshadow', jobs: 'iotjobs', provisioning: 'iotidentity' };

/**
 * Answers "which SDK export is this expression or type name?" for every file of a
 * program. Bindings are keyed by the checker's symbol for the local name, so a
 * shadowing parameter of the same name is never mistaken for the import.
 */
export class SdkEntityResolver {
  private readonly bindings = new Map<ts.Symbol, SdkEntity>();
  private readonly importsByFile = new Map<ts.SourceFile, SdkImport[]>();

  constructor(private readonly checker: ts.TypeChecker) {}

  addFile(sourceFile: ts.SourceFile): void {
    const imports: SdkImport[] = [];
    for (const statement of sourceFile.statements) {
      const found = this.sdkImportOf(statement);
      if (found === undefined) continue;
      imports.push(found);
      for (const binding of found.bindings) this.bindings.set(binding.symbol, binding.entity);
    }
    // `require` inside functions is common in legacy firmware (`var sdk = require(...)` in init()).
    const visitNested = (node: ts.Node): void => {
      if (ts.isVariableStatement(node) && node.parent !== sourceFile) {
        const found = this.sdkImportOf(node);
        if (found !== undefined) {
          imports.push(found);
          for (const binding of found.bindings) this.bindings.set(binding.symbol, binding.entity);
        }
      }
      ts.forEachChild(node, visitNested);
    };
    for (const statement of sourceFile.statements) ts.forEachChild(statement, visitNested);
    this.importsByFile.set(sourceFile, imports);
  }

  importsOf(sourceFile: ts.SourceFile): readonly SdkImport[] {
    return this.importsByFile.get(sourceFile) ?? [];
  }

  /** The SDK entity an expression or (qualified) type name denotes, if any. */
  entityOf(node: ts.Node): SdkEntity | undefined {
    if (ts.isIdentifier(node)) {
      const symbol = this.checker.getSymbolAtLocation(node);
      return symbol === undefined ? undefined : this.bindings.get(symbol);
    }
    if (ts.isPropertyAccessExpression(node)) return extend(this.entityOf(node.expression), node.name.text);
    if (ts.isQualifiedName(node)) return extend(this.entityOf(node.left), node.right.text);
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      return extend(this.entityOf(node.expression), node.argumentExpression.text);
    }
    if (ts.isParenthesizedExpression(node)) return this.entityOf(node.expression);
    if (ts.isCallExpression(node)) {
      const specifier = requiredSpecifier(node);
      return specifier === undefined ? undefined : rootEntityOf(specifier);
    }
    return undefined;
  }

  symbolOf(identifier: ts.Identifier): ts.Symbol | undefined {
    return this.checker.getSymbolAtLocation(identifier);
  }

  private sdkImportOf(statement: ts.Statement): SdkImport | undefined {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const specifier = statement.moduleSpecifier.text;
      const root = rootEntityOf(specifier);
      if (root === undefined) return undefined;
      const bindings: SdkBinding[] = [];
      const clause = statement.importClause;
      if (clause?.name !== undefined) this.bind(bindings, clause.name, root);
      const named = clause?.namedBindings;
      if (named !== undefined && ts.isNamespaceImport(named)) this.bind(bindings, named.name, root);
      if (named !== undefined && ts.isNamedImports(named)) {
        for (const element of named.elements) {
          this.bind(bindings, element.name, extend(root, (element.propertyName ?? element.name).text));
        }
      }
      return { statement, specifier, sdk: root.sdk, bindings };
    }
    if (
      ts.isImportEqualsDeclaration(statement) &&
      ts.isExternalModuleReference(statement.moduleReference) &&
      ts.isStringLiteral(statement.moduleReference.expression)
    ) {
      const specifier = statement.moduleReference.expression.text;
      const root = rootEntityOf(specifier);
      if (root === undefined) return undefined;
      const bindings: SdkBinding[] = [];
      this.bind(bindings, statement.name, root);
      return { statement, specifier, sdk: root.sdk, bindings };
    }
    if (ts.isVariableStatement(statement)) {
      let found: { specifier: string; root: SdkEntity } | undefined;
      const bindings: SdkBinding[] = [];
      for (const declaration of statement.declarationList.declarations) {
        const loaded = declaration.initializer === undefined ? undefined : loadedModuleOf(declaration.initializer);
        if (loaded === undefined) continue;
        const root = rootEntityOf(loaded.specifier);
        if (root === undefined) continue;
        found ??= { specifier: loaded.specifier, root };
        const entity = loaded.member === undefined ? root : extend(root, loaded.member);
        if (ts.isIdentifier(declaration.name)) {
          this.bind(bindings, declaration.name, entity);
        } else if (ts.isObjectBindingPattern(declaration.name)) {
          for (const element of declaration.name.elements) {
            const exported = element.propertyName ?? element.name;
            if (ts.isIdentifier(element.name) && (ts.isIdentifier(exported) || ts.isStringLiteral(exported))) {
              this.bind(bindings, element.name, extend(entity, exported.text));
            }
          }
        }
      }
      return found === undefined ? undefined : { statement, specifier: found.specifier, sdk: found.root.sdk, bindings };
    }
    return undefined;
  }

  private bind(bindings: SdkBinding[], name: ts.Identifier, entity: SdkEntity | undefined): void {
    if (entity === undefined) return;
    const symbol = this.checker.getSymbolAtLocation(name);
    if (symbol !== undefined) bindings.push({ name, symbol, entity });
  }
}

/** The entity a module specifier loads: the package root, or a service for a deep import. */
function rootEntityOf(specifier: string): SdkEntity | undefined {
  const module = deviceSdkModuleOf(specifier);
  if (module === undefined) return undefined;
  if (specifier === module.packageName) return { sdk: module.flavour, path: [] };
  const service = serviceOfDeepImport(module, specifier);
  if (service === undefined) return { sdk: module.flavour, path: [] };
  // `require('aws-iot-device-sdk/thing')` is the thingShadow class itself.
  if (module.flavour === 'aws-iot-device-sdk-v1') return { sdk: module.flavour, path: [service === 'shadow' ? 'thingShadow' : 'jobs'] };
  return { sdk: module.flavour, path: [SERVICE_EXPORTS[service] ?? service] };
}

function extend(entity: SdkEntity | undefined, member: string): SdkEntity | undefined {
  return entity === undefined ? undefined : { sdk: entity.sdk, path: [...entity.path, member] };
}

/** `require('m')`, `require('m').x`, `await import('m')`: the module and the member taken. */
function loadedModuleOf(expression: ts.Expression): { specifier: string; member?: string } | undefined {
  let node = expression;
  while (ts.isParenthesizedExpression(node) || ts.isAwaitExpression(node)) node = node.expression;
  if (ts.isPropertyAccessExpression(node)) {
    const inner = loadedModuleOf(node.expression);
    return inner === undefined || inner.member !== undefined ? undefined : { specifier: inner.specifier, member: node.name.text };
  }
  if (ts.isCallExpression(node)) {
    const specifier = requiredSpecifier(node);
    return specifier === undefined ? undefined : { specifier };
  }
  return undefined;
}

function requiredSpecifier(call: ts.CallExpression): string | undefined {
  const isRequire = ts.isIdentifier(call.expression) && call.expression.text === 'require';
  if (!isRequire && call.expression.kind !== ts.SyntaxKind.ImportKeyword) return undefined;
  const [first] = call.arguments;
  return first !== undefined && ts.isStringLiteralLike(first) ? first.text : undefined;
}
