import { ts } from 'ts-morph';
import type { SdkImport } from '../analysis/sdk-entities.js';
import { quoted, statementEnd, type SourceStyle } from './source-style.js';
import { referencedNames } from './free-names.js';
import { deleteStatement, lineStartOf } from './statement-edits.js';
import type { TextEdit } from './text-edits.js';

/** Modules the rewritten code imports from, in the order new imports are written. */
export type ImportedModule = 'fs' | 'azure-iot-device' | 'azure-iot-device-mqtt';

/**
 * How Node loads the file, which decides how it can import the Azure SDK.
 * `esm-native`: Node's ESM loader (TypeScript compiled for `"type": "module"`, .mjs,
 * ESM .js). The Azure packages are CommonJS, and the loader finds only some of their
 * exports by name (azure-iot-device: Client alone), so values come from the default
 * import and types from `import type`. `esm-compiled`: import syntax that TypeScript
 * compiles to require(), where named imports work. `cjs`: require().
 */
export type ModuleLoading = 'esm-native' | 'esm-compiled' | 'cjs';

/** The local name of a CommonJS Azure package's default import under Node's ESM loader. */
const DEFAULT_IMPORT_NAMES: Partial<Record<ImportedModule, string>> = {
  'azure-iot-device': 'azureIotDevice',
  'azure-iot-device-mqtt': 'azureIotDeviceMqtt',
};

const MODULE_ORDER: readonly ImportedModule[] = ['fs', 'azure-iot-device', 'azure-iot-device-mqtt'];
/** ESM firmware gets the `node:` form, which every Node the Azure SDK supports understands. */
const ESM_SPECIFIER: Record<ImportedModule, string> = { fs: 'node:fs', 'azure-iot-device': 'azure-iot-device', 'azure-iot-device-mqtt': 'azure-iot-device-mqtt' };
const ACCEPTED_SPECIFIERS: Record<ImportedModule, readonly string[]> = {
  fs: ['fs', 'node:fs'],
  'azure-iot-device': ['azure-iot-device'],
  'azure-iot-device-mqtt': ['azure-iot-device-mqtt'],
};

interface ExistingImport {
  statement: ts.Statement;
  /** Local name of the whole module (`import * as fs`, `const fs = require('fs')`). */
  moduleName?: string;
  /** Export name → local name, for named imports and destructured requires. */
  named: Map<string, string>;
  /** The `{ ... }` of an ESM named import, where new names can be added. */
  namedImports?: ts.NamedImports;
}

/**
 * Chooses how rewritten code refers to what it needs (`Client`, `fs.readFileSync`) and
 * writes the imports for it in the file's own module system and style, at the place
 * the AWS imports held. Names already taken in the file get an `Azure` prefix.
 */
export class ImportPlanner {
  private readonly existing = new Map<ImportedModule, ExistingImport>();
  private readonly takenNames: Set<string>;
  private readonly needed = new Map<ImportedModule, Map<string, string>>();
  private readonly neededTypes = new Map<ImportedModule, Map<string, string>>();

  constructor(
    private readonly sourceFile: ts.SourceFile,
    private readonly loading: ModuleLoading,
    private readonly style: SourceStyle,
  ) {
    this.takenNames = referencedNames(sourceFile);
    for (const statement of sourceFile.statements) this.noteExisting(statement);
  }

  private get usesImportSyntax(): boolean {
    return this.loading !== 'cjs';
  }

  /** The expression that refers to `exportName` of `module` once the imports are written. */
  use(module: ImportedModule, exportName: string): string {
    const existing = this.existing.get(module);
    const named = existing?.named.get(exportName);
    if (named !== undefined && !(this.loading === 'esm-native' && DEFAULT_IMPORT_NAMES[module] !== undefined)) return named;
    if (existing?.moduleName !== undefined) return `${existing.moduleName}.${exportName}`;
    const defaultName = DEFAULT_IMPORT_NAMES[module];
    if (defaultName !== undefined && this.loading === 'esm-native') {
      return `${this.neededName(this.needed, module, 'default', defaultName)}.${exportName}`;
    }
    if (module === 'fs' && this.loading === 'cjs') {
      // Legacy CommonJS reads files through the module object: `var fs = require('fs')`.
      const name = this.neededName(this.needed, module, '*', 'fs');
      return `${name}.${exportName}`;
    }
    return this.neededName(this.needed, module, exportName, exportName);
  }

  /** The name that refers to `exportName` of `module` as a type once the imports are written. */
  useType(module: ImportedModule, exportName: string): string {
    if (this.loading !== 'esm-native') return this.use(module, exportName);
    return this.neededName(this.neededTypes, module, exportName, exportName);
  }

  /**
   * The edits that add what use() handed out and remove the given AWS imports. The first
   * removed import's place receives the new ones, so the file keeps its shape.
   */
  edits(removed: ReadonlyArray<{ sdkImport: SdkImport; keptBindings: readonly string[] }>): TextEdit[] {
    const edits: TextEdit[] = [];
    const newLines: string[] = [];
    for (const module of MODULE_ORDER) {
      const types = this.neededTypes.get(module);
      if (types !== undefined && types.size > 0) newLines.push(this.renderTypeImport(module, types));
      const names = this.needed.get(module);
      if (names === undefined || names.size === 0) continue;
      const existing = this.existing.get(module);
      if (existing?.namedImports !== undefined && this.usesImportSyntax && !names.has('default')) {
        edits.push(this.extendNamedImports(existing.namedImports, names));
      } else {
        newLines.push(...this.renderImport(module, names));
      }
    }

    let placed = newLines.length === 0;
    for (const { sdkImport, keptBindings } of removed) {
      const statement = sdkImport.statement;
      if (keptBindings.length > 0) {
        edits.push(this.rewriteKeeping(sdkImport, keptBindings));
        continue;
      }
      if (!placed && statement.parent === this.sourceFile) {
        edits.push({ start: statement.getStart(this.sourceFile), end: statement.end, text: newLines.join('\n'), kind: 'replace' });
        placed = true;
      } else {
        edits.push(deleteStatement(this.sourceFile, statement));
      }
    }
    if (!placed) edits.push(this.insertAtTop(newLines));
    return edits;
  }

  private neededName(needed: Map<ImportedModule, Map<string, string>>, module: ImportedModule, exportName: string, preferred: string): string {
    let names = needed.get(module);
    if (names === undefined) {
      names = new Map();
      needed.set(module, names);
    }
    const known = names.get(exportName);
    if (known !== undefined) return known;
    let local = preferred;
    if (this.takenNames.has(local)) local = `Azure${preferred[0]!.toUpperCase()}${preferred.slice(1)}`;
    for (let suffix = 2; this.takenNames.has(local); suffix += 1) local = `${preferred}${suffix}`;
    this.takenNames.add(local);
    names.set(exportName, local);
    return local;
  }

  private renderImport(module: ImportedModule, names: Map<string, string>): string[] {
    const end = statementEnd(this.style);
    const sorted = [...names.entries()].sort(([a], [b]) => a.localeCompare(b, 'en'));
    if (this.usesImportSyntax) {
      const defaultName = names.get('default');
      if (defaultName !== undefined) return [`import ${defaultName} from ${quoted(this.style, ESM_SPECIFIER[module])}${end}`];
      const specifiers = sorted.map(([exported, local]) => (exported === local ? exported : `${exported} as ${local}`));
      return [`import { ${specifiers.join(', ')} } from ${quoted(this.style, ESM_SPECIFIER[module])}${end}`];
    }
    const keyword = this.style.declarationKeyword;
    const specifier = quoted(this.style, module);
    const lines: string[] = [];
    const moduleObject = names.get('*');
    if (moduleObject !== undefined) lines.push(`${keyword} ${moduleObject} = require(${specifier})${end}`);
    const members = sorted.filter(([exported]) => exported !== '*');
    if (members.length === 0) return lines;
    if (keyword === 'const') {
      const parts = members.map(([exported, local]) => (exported === local ? exported : `${exported}: ${local}`));
      lines.push(`const { ${parts.join(', ')} } = require(${specifier})${end}`);
    } else {
      for (const [exported, local] of members) lines.push(`${keyword} ${local} = require(${specifier}).${exported}${end}`);
    }
    return lines;
  }

  private renderTypeImport(module: ImportedModule, names: Map<string, string>): string {
    const specifiers = [...names.entries()]
      .sort(([a], [b]) => a.localeCompare(b, 'en'))
      .map(([exported, local]) => (exported === local ? exported : `${exported} as ${local}`));
    return `import type { ${specifiers.join(', ')} } from ${quoted(this.style, ESM_SPECIFIER[module])}${statementEnd(this.style)}`;
  }

  private extendNamedImports(namedImports: ts.NamedImports, names: Map<string, string>): TextEdit {
    const additions = [...names.entries()].map(([exported, local]) => (exported === local ? exported : `${exported} as ${local}`));
    const last = namedImports.elements[namedImports.elements.length - 1];
    const at = last === undefined ? namedImports.getStart(this.sourceFile) + 1 : last.end;
    const text = last === undefined ? ` ${additions.join(', ')} ` : `, ${additions.join(', ')}`;
    return { start: at, end: at, text, kind: 'insert' };
  }

  /** An SDK import some of whose names are still used: drop only the others. */
  private rewriteKeeping(sdkImport: SdkImport, keptBindings: readonly string[]): TextEdit {
    const statement = sdkImport.statement;
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const named = clause?.namedBindings;
      if (named !== undefined && ts.isNamedImports(named)) {
        const kept = named.elements.filter((element) => keptBindings.includes(element.name.text)).map((element) => element.getText(this.sourceFile));
        const head = clause?.name !== undefined && keptBindings.includes(clause.name.text) ? clause.name.text : undefined;
        const typeOnly = clause?.isTypeOnly ? 'type ' : '';
        const names = [...(head === undefined ? [] : [head]), ...(kept.length === 0 ? [] : [`{ ${kept.join(', ')} }`])].join(', ');
        const text = `import ${typeOnly}${names} from ${statement.moduleSpecifier.getText(this.sourceFile)}${statementEnd(this.style)}`;
        return { start: statement.getStart(this.sourceFile), end: statement.end, text, kind: 'replace' };
      }
    }
    return { start: statement.getStart(this.sourceFile), end: statement.getStart(this.sourceFile), text: '', kind: 'insert' };
  }

  private insertAtTop(lines: string[]): TextEdit {
    const statements = this.sourceFile.statements;
    const lastImport = [...statements].reverse().find((statement) => isImportLike(statement));
    if (lastImport !== undefined) {
      const lineEnd = this.sourceFile.text.indexOf('\n', lastImport.end);
      const at = lineEnd === -1 ? this.sourceFile.text.length : lineEnd + 1;
      return { start: at, end: at, text: `${lines.join('\n')}\n`, kind: 'insert' };
    }
    const first = statements.find((statement) => !isDirective(statement));
    const at = first === undefined ? this.sourceFile.text.length : lineStartOf(this.sourceFile.text, first.getStart(this.sourceFile));
    return { start: at, end: at, text: `${lines.join('\n')}\n\n`, kind: 'insert' };
  }

  private noteExisting(statement: ts.Statement): void {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const module = importedModuleOf(statement.moduleSpecifier.text);
      const clause = statement.importClause;
      if (module === undefined || clause === undefined || clause.isTypeOnly) return;
      const entry: ExistingImport = { statement, named: new Map() };
      if (clause.name !== undefined) entry.moduleName = clause.name.text;
      const named = clause.namedBindings;
      if (named !== undefined && ts.isNamespaceImport(named)) entry.moduleName = named.name.text;
      if (named !== undefined && ts.isNamedImports(named)) {
        entry.namedImports = named;
        for (const element of named.elements) {
          if (!element.isTypeOnly) entry.named.set((element.propertyName ?? element.name).text, element.name.text);
        }
      }
      this.existing.set(module, entry);
      return;
    }
    if (!ts.isVariableStatement(statement)) return;
    for (const declaration of statement.declarationList.declarations) {
      const required = declaration.initializer === undefined ? undefined : requireOf(declaration.initializer);
      if (required === undefined) continue;
      const module = importedModuleOf(required.specifier);
      if (module === undefined) continue;
      const entry = this.existing.get(module) ?? { statement, named: new Map<string, string>() };
      if (ts.isIdentifier(declaration.name)) {
        if (required.member === undefined) entry.moduleName = declaration.name.text;
        else entry.named.set(required.member, declaration.name.text);
      } else if (ts.isObjectBindingPattern(declaration.name) && required.member === undefined) {
        for (const element of declaration.name.elements) {
          const exported = element.propertyName ?? element.name;
          if (ts.isIdentifier(exported) && ts.isIdentifier(element.name)) entry.named.set(exported.text, element.name.text);
        }
      }
      this.existing.set(module, entry);
    }
  }
}

function importedModuleOf(specifier: string): ImportedModule | undefined {
  return MODULE_ORDER.find((module) => ACCEPTED_SPECIFIERS[module].includes(specifier));
}

function requireOf(expression: ts.Expression): { specifier: string; member?: string } | undefined {
  if (ts.isPropertyAccessExpression(expression)) {
    const inner = requireOf(expression.expression);
    return inner === undefined || inner.member !== undefined ? undefined : { specifier: inner.specifier, member: expression.name.text };
  }
  if (
    ts.isCallExpression(expression) &&
    ts.isIdentifier(expression.expression) &&
    expression.expression.text === 'require' &&
    expression.arguments[0] !== undefined &&
    ts.isStringLiteralLike(expression.arguments[0])
  ) {
    return { specifier: expression.arguments[0].text };
  }
  return undefined;
}

function isImportLike(statement: ts.Statement): boolean {
  if (ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)) return true;
  return ts.isVariableStatement(statement) && statement.declarationList.declarations.every((declaration) => {
    return declaration.initializer !== undefined && requireOf(declaration.initializer) !== undefined;
  });
}

function isDirective(statement: ts.Statement): boolean {
  return ts.isExpressionStatement(statement) && ts.isStringLiteral(statement.expression);
}

