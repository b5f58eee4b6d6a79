import { ts } from 'ts-morph';

/** Guards alias and re-export chains against cycles. */
const MAX_HOPS = 8;

/**
 * Follows a name to the declaration that gives it its value, across files: ES imports
 * and re-exports, CommonJS `require('./x').name` and `module.exports = { name }`, and
 * `exports.name = name`. Uses only the checker's symbols, never its types, so it works
 * without the SDK's type definitions installed.
 */
export class DeclarationResolver {
  constructor(private readonly checker: ts.TypeChecker) {}

  declarationOf(name: ts.Node): ts.Declaration | undefined {
    const symbol = this.checker.getSymbolAtLocation(name);
    return symbol === undefined ? undefined : this.declarationOfSymbol(symbol);
  }

  declarationOfSymbol(start: ts.Symbol): ts.Declaration | undefined {
    let symbol = start;
    for (let hop = 0; hop < MAX_HOPS; hop += 1) {
      if (symbol.flags & ts.SymbolFlags.Alias) {
        const aliased = this.checker.getAliasedSymbol(symbol);
        if (aliased === symbol || aliased.declarations === undefined) return symbol.declarations?.[0];
        symbol = aliased;
        continue;
      }
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      if (declaration === undefined) return undefined;
      const next = this.valueSourceSymbol(declaration);
      if (next === undefined || next === symbol) return declaration;
      symbol = next;
    }
    return undefined;
  }

  /** The function-like node a callee resolves to: a function, a method, or a variable holding one. */
  functionOf(callee: ts.Expression): ts.SignatureDeclaration | undefined {
    const name = ts.isPropertyAccessExpression(callee) ? callee.name : callee;
    if (!ts.isIdentifier(name)) return undefined;
    const declaration = this.declarationOf(name);
    if (declaration === undefined) return undefined;
    if (ts.isFunctionDeclaration(declaration) || ts.isMethodDeclaration(declaration)) return declaration;
    if (ts.isFunctionExpression(declaration) || ts.isArrowFunction(declaration)) return declaration;
    const initializer = ts.isVariableDeclaration(declaration) || ts.isPropertyDeclaration(declaration) ? declaration.initializer : undefined;
    if (initializer !== undefined && (ts.isFunctionExpression(initializer) || ts.isArrowFunction(initializer))) return initializer;
    return undefined;
  }

  /** The constructor a `new X(...)` of a class in the repo runs. */
  constructorOf(expression: ts.Expression): ts.ConstructorDeclaration | undefined {
    if (!ts.isIdentifier(expression)) return undefined;
    const declaration = this.declarationOf(expression);
    if (declaration === undefined || !(ts.isClassDeclaration(declaration) || ts.isClassExpression(declaration))) return undefined;
    return declaration.members.find(ts.isConstructorDeclaration);
  }

  /** Where a declaration takes its value from another name: `{ start: start }`, `exports.x = x`. */
  private valueSourceSymbol(declaration: ts.Declaration): ts.Symbol | undefined {
    if (ts.isPropertyAssignment(declaration) && ts.isIdentifier(declaration.initializer)) {
      return this.checker.getSymbolAtLocation(declaration.initializer);
    }
    if (ts.isShorthandPropertyAssignment(declaration)) return this.checker.getShorthandAssignmentValueSymbol(declaration);
    if (ts.isBinaryExpression(declaration) && ts.isIdentifier(declaration.right)) {
      return this.checker.getSymbolAtLocation(declaration.right);
    }
    if (
      ts.isPropertyAccessExpression(declaration) &&
      ts.isBinaryExpression(declaration.parent) &&
      declaration.parent.left === declaration &&
      ts.isIdentifier(declaration.parent.right)
    ) {
      return this.checker.getSymbolAtLocation(declaration.parent.right);
    }
    if (ts.isExportSpecifier(declaration)) return this.checker.getExportSpecifierLocalTargetSymbol(declaration);
    return undefined;
  }
}
