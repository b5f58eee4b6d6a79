/**
 * A parser for the part of the AWS IoT SQL dialect a topic rule needs to be carried
 * over: `SELECT <projection> FROM '<topic filter>' [WHERE <condition>]`. The projection
 * is kept as text (IoT Hub routes cannot reshape a message, so it is only reported);
 * the condition becomes a small expression tree that route-condition.ts renders as an
 * IoT Hub routing query. Anything outside this grammar is a parse error with the
 * offending text, which the caller reports as untranslatable rather than guessing.
 */
export type SqlExpression =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'path'; segments: string[] }
  | { kind: 'call'; name: string; args: SqlExpression[] }
  | { kind: 'not'; operand: SqlExpression }
  | { kind: 'negate'; operand: SqlExpression }
  | { kind: 'binary'; operator: BinaryOperator; left: SqlExpression; right: SqlExpression };

export type BinaryOperator = 'AND' | 'OR' | '=' | '<>' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export interface ParsedRuleSql {
  /** The projection as written, e.g. `*` or `temperature, topic(3) AS deviceId`. */
  select: string;
  topicFilter: string;
  where: SqlExpression | null;
}

export type ParseResult = { ok: true; sql: ParsedRuleSql } | { ok: false; error: string };

type Token =
  | { type: 'word'; text: string; start: number }
  | { type: 'number'; value: number; start: number }
  | { type: 'string'; value: string; start: number }
  | { type: 'symbol'; text: string; start: number }
  | { type: 'end'; start: number };

const SYMBOLS = ['<>', '!=', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', '[', ']'];

class SqlSyntaxError extends Error {}

export function parseRuleSql(sql: string): ParseResult {
  try {
    const tokens = tokenize(sql);
    const fromIndex = findTopLevelKeyword(tokens, 'FROM');
    const first = tokens[0]!;
    if (!isKeyword(first, 'SELECT')) throw new SqlSyntaxError('expected SELECT at the start');
    if (fromIndex < 0) throw new SqlSyntaxError('no FROM clause');
    const select = sql.slice(tokens[1]!.start, tokens[fromIndex]!.start).trim();
    if (select === '') throw new SqlSyntaxError('empty SELECT list');
    const topic = tokens[fromIndex + 1]!;
    if (topic.type !== 'string') throw new SqlSyntaxError("FROM must be followed by a quoted topic filter, e.g. FROM 'a/+/b'");
    const after = tokens[fromIndex + 2]!;
    if (after.type === 'end') return { ok: true, sql: { select, topicFilter: topic.value, where: null } };
    if (!isKeyword(after, 'WHERE')) throw new SqlSyntaxError(`unexpected "${describe(after, sql)}" after the topic filter`);
    const parser = new ExpressionParser(tokens, fromIndex + 3, sql);
    const where = parser.parseExpression();
    parser.expectEnd();
    return { ok: true, sql: { select, topicFilter: topic.value, where } };
  } catch (error) {
    if (error instanceof SqlSyntaxError) return { ok: false, error: error.message };
    throw error;
  }
}

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < sql.length) {
    const char = sql[index]!;
    if (/\s/.test(char)) {
      index += 1;
    } else if (char === "'" || char === '"') {
      const start = index;
      let value = '';
      index += 1;
      for (;;) {
        if (index >= sql.length) throw new SqlSyntaxError(`unterminated string starting at offset ${start}`);
        const next = sql[index]!;
        if (next === '\\' && index + 1 < sql.length) {
          value += sql[index + 1];
          index += 2;
        } else if (next === char && sql[index + 1] === char) {
          value += char;
          index += 2;
        } else if (next === char) {
          index += 1;
          break;
        } else {
          value += next;
          index += 1;
        }
      }
      tokens.push({ type: 'string', value, start });
    } else if (/[0-9]/.test(char)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(sql.slice(index))!;
      tokens.push({ type: 'number', value: Number(match[0]), start: index });
      index += match[0].length;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(index))!;
      tokens.push({ type: 'word', text: match[0], start: index });
      index += match[0].length;
    } else {
      const symbol = SYMBOLS.find((candidate) => sql.startsWith(candidate, index));
      if (!symbol) throw new SqlSyntaxError(`unexpected character "${char}" at offset ${index}`);
      tokens.push({ type: 'symbol', text: symbol, start: index });
      index += symbol.length;
    }
  }
  tokens.push({ type: 'end', start: sql.length });
  return tokens;
}

/** FROM inside a nested SELECT or a function call must not end the projection. */
function findTopLevelKeyword(tokens: Token[], keyword: string): number {
  let depth = 0;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!;
    if (token.type === 'symbol' && (token.text === '(' || token.text === '[')) depth += 1;
    else if (token.type === 'symbol' && (token.text === ')' || token.text === ']')) depth -= 1;
    else if (depth === 0 && isKeyword(token, keyword)) return index;
  }
  return -1;
}

function isKeyword(token: Token, keyword: string): boolean {
  return token.type === 'word' && token.text.toUpperCase() === keyword;
}

function describe(token: Token, sql: string): string {
  if (token.type === 'end') return 'end of statement';
  return sql.slice(token.start, token.start + 20).split(/\s/)[0]!;
}

const COMPARISONS = new Set(['=', '<>', '!=', '<', '<=', '>', '>=']);
const RESERVED = new Set(['AND', 'OR', 'NOT', 'SELECT', 'FROM', 'WHERE', 'AS', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END']);

/** Precedence, loosest first: OR, AND, NOT, comparison, + -, * / %, unary minus. */
class ExpressionParser {
  constructor(
    private readonly tokens: Token[],
    private position: number,
    private readonly sql: string,
  ) {}

  parseExpression(): SqlExpression {
    return this.parseOr();
  }

  expectEnd(): void {
    const token = this.peek();
    if (token.type !== 'end') throw new SqlSyntaxError(`unexpected "${describe(token, this.sql)}" in WHERE`);
  }

  private parseOr(): SqlExpression {
    let left = this.parseAnd();
    while (this.acceptKeyword('OR')) left = { kind: 'binary', operator: 'OR', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): SqlExpression {
    let left = this.parseNot();
    while (this.acceptKeyword('AND')) left = { kind: 'binary', operator: 'AND', left, right: this.parseNot() };
    return left;
  }

  private parseNot(): SqlExpression {
    if (this.acceptKeyword('NOT')) return { kind: 'not', operand: this.parseNot() };
    return this.parseComparison();
  }

  private parseComparison(): SqlExpression {
    const left = this.parseAdditive();
    const token = this.peek();
    if (token.type === 'symbol' && COMPARISONS.has(token.text)) {
      this.position += 1;
      const operator = (token.text === '!=' ? '<>' : token.text) as BinaryOperator;
      return { kind: 'binary', operator, left, right: this.parseAdditive() };
    }
    return left;
  }

  private parseAdditive(): SqlExpression {
    let left = this.parseMultiplicative();
    for (;;) {
      const operator = this.acceptSymbol('+', '-');
      if (!operator) return left;
      left = { kind: 'binary', operator: operator as BinaryOperator, left, right: this.parseMultiplicative() };
    }
  }

  private parseMultiplicative(): SqlExpression {
    let left = this.parseUnary();
    for (;;) {
      const operator = this.acceptSymbol('*', '/', '%');
      if (!operator) return left;
      left = { kind: 'binary', operator: operator as BinaryOperator, left, right: this.parseUnary() };
    }
  }

  private parseUnary(): SqlExpression {
    if (this.acceptSymbol('-')) return { kind: 'negate', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): SqlExpression {
    const token = this.peek();
    this.position += 1;
    switch (token.type) {
      case 'number':
        return { kind: 'literal', value: token.value };
      case 'string':
        return { kind: 'literal', value: token.value };
      case 'symbol':
        if (token.text === '(') {
          const inner = this.parseExpression();
          if (!this.acceptSymbol(')')) throw new SqlSyntaxError('missing ")" in WHERE');
          return inner;
        }
        throw new SqlSyntaxError(`unexpected "${token.text}" in WHERE`);
      case 'word':
        return this.parseWord(token.text);
      case 'end':
        throw new SqlSyntaxError('WHERE ends too early');
    }
  }

  private parseWord(text: string): SqlExpression {
    const upper = text.toUpperCase();
    if (upper === 'TRUE' || upper === 'FALSE') return { kind: 'literal', value: upper === 'TRUE' };
    if (upper === 'NULL') return { kind: 'literal', value: null };
    if (RESERVED.has(upper)) throw new SqlSyntaxError(`${upper} is not supported here`);
    if (this.acceptSymbol('(')) {
      const args: SqlExpression[] = [];
      if (!this.acceptSymbol(')')) {
        do args.push(this.parseExpression());
        while (this.acceptSymbol(','));
        if (!this.acceptSymbol(')')) throw new SqlSyntaxError(`missing ")" after the arguments of ${text}()`);
      }
      return { kind: 'call', name: text, args };
    }
    const segments = [text];
    while (this.acceptSymbol('.')) {
      const next = this.peek();
      if (next.type !== 'word') throw new SqlSyntaxError(`expected a field name after "${segments.join('.')}."`);
      this.position += 1;
      segments.push(next.text);
    }
    if (this.peek().type === 'symbol' && (this.peek() as { text: string }).text === '[') {
      throw new SqlSyntaxError(`array indexing (${segments.join('.')}[...]) is not supported`);
    }
    return { kind: 'path', segments };
  }

  private peek(): Token {
    return this.tokens[this.position]!;
  }

  private acceptKeyword(keyword: string): boolean {
    if (!isKeyword(this.peek(), keyword)) return false;
    this.position += 1;
    return true;
  }

  private acceptSymbol(...symbols: string[]): string | undefined {
    const token = this.peek();
    if (token.type !== 'symbol' || !symbols.includes(token.text)) return undefined;
    this.position += 1;
    return token.text;
  }
}
