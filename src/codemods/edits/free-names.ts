import { ts } from 'ts-morph';
import { enclosingFunction } from '../analysis/aws-value-index.js';

/**
 * Picks names for variables and parameters the rewrite introduces (`message`, `twin`)
 * that clash with nothing the code refers to in that function, nor with anything the
 * file declares at its top level. Property names (`event.message`) cannot clash and
 * do not count.
 */
export class FreeNames {
  private readonly usedByScope = new Map<ts.Node, Set<string>>();
  private readonly topLevel: Set<string>;

  constructor(private readonly sourceFile: ts.SourceFile) {
    this.topLevel = topLevelDeclaredNames(sourceFile);
  }

  /**
   * The first of `candidates` free where `site` is, or the first with a number
   * (`message2`) when all are taken.
   */
  pick(site: ts.Node, ...candidates: [string, ...string[]]): string {
    const scope = enclosingFunction(site) ?? this.sourceFile;
    let used = this.usedByScope.get(scope);
    if (used === undefined) {
      used = referencedNames(scope);
      this.usedByScope.set(scope, used);
    }
    const isFree = (name: string): boolean => !used.has(name) && !this.topLevel.has(name);
    let name = candidates.find(isFree) ?? candidates[0];
    for (let suffix = 2; !isFree(name); suffix += 1) name = `${candidates[0]}${suffix}`;
    used.add(name);
    return name;
  }
}

/** Identifier texts that are references or declarations, not property names. */
export function referencedNames(root: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !isPropertyName(node)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(root);
  return names;
}

function topLevelDeclaredNames(sourceFile: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of sourceFile.statements) {
    if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((declaration) => addBinding(declaration.name));
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name !== undefined) names.add(statement.name.text);
    else if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name !== undefined) names.add(clause.name.text);
      const named = clause?.namedBindings;
      if (named !== undefined && ts.isNamespaceImport(named)) names.add(named.name.text);
      if (named !== undefined && ts.isNamedImports(named)) for (const element of named.elements) names.add(element.name.text);
    }
  }
  return names;
}

function isPropertyName(identifier: ts.Identifier): boolean {
  const parent = identifier.parent;
  return (
    (ts.isPropertyAccessExpression(parent) && parent.name === identifier) ||
    (ts.isPropertyAssignment(parent) && parent.name === identifier) ||
    (ts.isQualifiedName(parent) && parent.right === identifier) ||
    (ts.isPropertySignature(parent) && parent.name === identifier) ||
    (ts.isMethodDeclaration(parent) && parent.name === identifier && ts.isObjectLiteralExpression(parent.parent))
  );
}
