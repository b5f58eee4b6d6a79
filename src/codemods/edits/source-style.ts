import { ts } from 'ts-morph';

/** How a file writes code, so inserted code reads as if its authors wrote it. */
export interface SourceStyle {
  quote: "'" | '"';
  semicolon: boolean;
  /** One level of indentation: two or four spaces, or a tab. */
  indentUnit: string;
  /** `function () {}` in files that never use arrow functions (pre-ES2015 firmware). */
  arrowFunctions: boolean;
  /** The keyword the file declares variables with most: `var` in legacy code. */
  declarationKeyword: 'const' | 'let' | 'var';
  trailingCommas: boolean;
  /** Trailing commas after the last argument of a multi-line call, too (Prettier's "all"). */
  callTrailingCommas: boolean;
  /** What the file calls an error parameter: `err` in much Node-callback code, else `error`. */
  errorName: 'err' | 'error';
}

/**
 * Habits a formatter sets for the whole repo, so any file that shows them decides for
 * files too short to show them.
 */
export interface RepoStyle {
  trailingCommas: boolean;
  callTrailingCommas: boolean;
  errorName: 'err' | 'error';
}

export function detectRepoStyle(texts: Iterable<string>): RepoStyle {
  let trailingCommas = false;
  let callTrailingCommas = false;
  let err = 0;
  let error = 0;
  for (const text of texts) {
    trailingCommas ||= /,\r?\n\s*[}\]]/.test(text);
    callTrailingCommas ||= /,\r?\n\s*\)/.test(text);
    err += text.match(/[(,]\s*err\s*[),:]/g)?.length ?? 0;
    error += text.match(/[(,]\s*error\s*[),:]/g)?.length ?? 0;
  }
  return { trailingCommas, callTrailingCommas, errorName: err > error ? 'err' : 'error' };
}

export function detectSourceStyle(sourceFile: ts.SourceFile, repo: RepoStyle): SourceStyle {
  const text = sourceFile.text;
  let single = 0;
  let double = 0;
  let withSemicolon = 0;
  let withoutSemicolon = 0;
  let arrows = 0;
  const keywords = { const: 0, let: 0, var: 0 };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node)) {
      if (text[node.getStart(sourceFile)] === "'") single += 1;
      else double += 1;
    } else if (ts.isArrowFunction(node)) {
      arrows += 1;
    } else if (ts.isVariableDeclarationList(node)) {
      const flags = node.flags;
      if (flags & ts.NodeFlags.Const) keywords.const += 1;
      else if (flags & ts.NodeFlags.Let) keywords.let += 1;
      else keywords.var += 1;
    }
    if (ts.isExpressionStatement(node) || ts.isVariableStatement(node) || ts.isImportDeclaration(node) || ts.isReturnStatement(node)) {
      if (text[node.end - 1] === ';') withSemicolon += 1;
      else withoutSemicolon += 1;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  const declarationKeyword = (['const', 'let', 'var'] as const).reduce((best, keyword) =>
    keywords[keyword] > keywords[best] ? keyword : best,
  );
  return {
    quote: double > single ? '"' : "'",
    semicolon: withSemicolon >= withoutSemicolon,
    indentUnit: detectIndentUnit(text),
    arrowFunctions: arrows > 0 || isTypeScriptFile(sourceFile),
    declarationKeyword: keywords.const + keywords.let + keywords.var === 0 ? 'const' : declarationKeyword,
    trailingCommas: repo.trailingCommas,
    callTrailingCommas: repo.callTrailingCommas,
    errorName: repo.errorName,
  };
}

function isTypeScriptFile(sourceFile: ts.SourceFile): boolean {
  return /\.(ts|tsx|mts|cts)$/.test(sourceFile.fileName);
}

function detectIndentUnit(text: string): string {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^([ \t]+)\S/gm)) {
    const indent = match[1]!;
    if (indent.startsWith('\t')) return '\t';
    counts.set(indent, (counts.get(indent) ?? 0) + 1);
  }
  const smallest = [...counts.keys()].filter((indent) => indent.length >= 2).sort((a, b) => a.length - b.length)[0];
  return smallest === '    ' || smallest === '  ' ? smallest : '  ';
}

/** A string literal in the file's quote style. */
export function quoted(style: SourceStyle, value: string): string {
  const escaped = value.replaceAll('\\', '\\\\').replaceAll(style.quote, `\\${style.quote}`);
  return `${style.quote}${escaped}${style.quote}`;
}

export function statementEnd(style: SourceStyle): string {
  return style.semicolon ? ';' : '';
}
