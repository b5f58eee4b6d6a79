import { argumentInvalid } from './iot-hub-error.js';
import { isJsonObject, type JsonObject, type JsonValue } from './twin-document.js';

/**
 * The part of IoT Hub's query language that migrations use on `devices` (twins):
 *
 *   SELECT * FROM devices [WHERE <condition>]
 *   SELECT COUNT() [AS <alias>] FROM devices [WHERE <condition>]
 *
 * Conditions compare a twin path (`deviceId`, `status`, `tags.site.name`,
 * `properties.reported.firmware`) with a literal (`'text'`, `"text"`, numbers,
 * true/false, null) by = != <> < <= > >=, test `path IN [..]` / `NIN [..]`,
 * call IS_DEFINED(path), STARTSWITH(path, 'x') or ENDSWITH(path, 'x'), and combine with
 * AND, OR, NOT and parentheses. As in IoT Hub, a path that is not there (or a
 * comparison of different types) is undefined, which no WHERE lets through, even under
 * NOT. Anything else is refused with a 400 that says what the sandbox supports.
 */
export interface CompiledQuery {
  /** `*`, or COUNT() under its alias. */
  projection: { kind: 'all' } | { kind: 'count'; alias: string };
  matches(twin: JsonObject): boolean;
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'symbol'; text: string };

type Condition = (twin: JsonObject) => boolean | undefined;

const SUPPORTED =
  'the sandbox supports SELECT * or SELECT COUNT() FROM devices with an optional WHERE of comparisons, IN, NIN, IS_DEFINED, STARTSWITH, ENDSWITH, AND, OR, NOT';

export function compileDeviceQuery(text: string): CompiledQuery {
  const parser = new Parser(tokenize(text));
  parser.expectWord('SELECT');
  const projection = parser.projection();
  parser.expectWord('FROM');
  const collection = parser.word();
  if (collection.toLowerCase() !== 'devices') throw unsupported(`FROM ${collection}`);
  const where = parser.acceptWord('WHERE') ? parser.condition() : undefined;
  parser.expectEnd();
  return { projection, matches: (twin) => (where ? where(twin) === true : true) };
}

function unsupported(what: string): Error {
  return argumentInvalid(`Query: ${what} is not supported: ${SUPPORTED}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const quoted = /^'((?:[^']|'')*)'|^"((?:[^"]|"")*)"/.exec(rest);
    if (quoted) {
      tokens.push({ kind: 'string', value: quoted[1] !== undefined ? quoted[1].replace(/''/g, "'") : quoted[2]!.replace(/""/g, '"') });
      at += quoted[0].length;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$-]+)*/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', text: word[0] });
      at += word[0].length;
      continue;
    }
    const symbol = /^(?:<=|>=|<>|!=|[=<>(),*[\]])/.exec(rest);
    if (!symbol) throw argumentInvalid(`Query: unexpected '${rest[0]}' at position ${at}`);
    tokens.push({ kind: 'symbol', text: symbol[0] });
    at += symbol[0].length;
  }
  return tokens;
}

class Parser {
  private at = 0;

  constructor(private readonly tokens: Token[]) {}

  projection(): CompiledQuery['projection'] {
    if (this.acceptSymbol('*')) return { kind: 'all' };
    if (this.peekWord('COUNT')) {
      this.at += 1;
      this.expectSymbol('(');
      this.expectSymbol(')');
      return { kind: 'count', alias: this.acceptWord('AS') ? this.word() : '$1' };
    }
    throw unsupported(`SELECT ${this.describeNext()}`);
  }

  condition(): Condition {
    let left = this.conjunction();
    while (this.acceptWord('OR')) {
      const [a, b] = [left, this.conjunction()];
      left = (twin) => {
        const [x, y] = [a(twin), b(twin)];
        return x === true || y === true ? true : x === false && y === false ? false : undefined;
      };
    }
    return left;
  }

  private conjunction(): Condition {
    let left = this.negation();
    while (this.acceptWord('AND')) {
      const [a, b] = [left, this.negation()];
      left = (twin) => {
        const [x, y] = [a(twin), b(twin)];
        return x === false || y === false ? false : x === true && y === true ? true : undefined;
      };
    }
    return left;
  }

  private negation(): Condition {
    if (this.acceptWord('NOT')) {
      const inner = this.negation();
      return (twin) => {
        const value = inner(twin);
        return value === undefined ? undefined : !value;
      };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.acceptSymbol('(')) {
      const inner = this.condition();
      this.expectSymbol(')');
      return inner;
    }
    const name = this.word();
    const upper = name.toUpperCase();
    if (upper === 'IS_DEFINED' || upper === 'STARTSWITH' || upper === 'ENDSWITH') return this.functionCall(upper);
    const path = name.split('.');
    if (this.acceptWord('IN')) return this.membership(path, true);
    if (this.acceptWord('NIN')) return this.membership(path, false);
    const operator = this.symbol();
    if (!['=', '!=', '<>', '<', '<=', '>', '>='].includes(operator)) throw unsupported(`the operator '${operator}'`);
    const literal = this.literal();
    return (twin) => compare(valueAt(twin, path), operator, literal);
  }

  private functionCall(name: string): Condition {
    this.expectSymbol('(');
    const path = this.word().split('.');
    if (name === 'IS_DEFINED') {
      this.expectSymbol(')');
      return (twin) => valueAt(twin, path) !== undefined;
    }
    this.expectSymbol(',');
    const affix = this.literal();
    this.expectSymbol(')');
    if (typeof affix !== 'string') throw argumentInvalid(`Query: ${name} takes a string`);
    return (twin) => {
      const value = valueAt(twin, path);
      if (typeof value !== 'string') return undefined;
      return name === 'STARTSWITH' ? value.startsWith(affix) : value.endsWith(affix);
    };
  }

  private membership(path: string[], wanted: boolean): Condition {
    this.expectSymbol('[');
    const values: JsonValue[] = [this.literal()];
    while (this.acceptSymbol(',')) values.push(this.literal());
    this.expectSymbol(']');
    return (twin) => {
      const value = valueAt(twin, path);
      if (value === undefined) return undefined;
      return values.some((candidate) => compare(value, '=', candidate) === true) === wanted;
    };
  }

  private literal(): JsonValue {
    const token = this.tokens[this.at];
    this.at += 1;
    if (token?.kind === 'string' || token?.kind === 'number') return token.value;
    if (token?.kind === 'word') {
      const lower = token.text.toLowerCase();
      if (lower === 'true' || lower === 'false') return lower === 'true';
      if (lower === 'null') return null;
    }
    this.at -= 1;
    throw argumentInvalid(`Query: expected a value, found ${this.describeNext()}`);
  }

  word(): string {
    const token = this.tokens[this.at];
    if (token?.kind !== 'word') throw argumentInvalid(`Query: expected a name, found ${this.describeNext()}`);
    this.at += 1;
    return token.text;
  }

  private symbol(): string {
    const token = this.tokens[this.at];
    if (token?.kind !== 'symbol') throw argumentInvalid(`Query: expected an operator, found ${this.describeNext()}`);
    this.at += 1;
    return token.text;
  }

  private peekWord(keyword: string): boolean {
    const token = this.tokens[this.at];
    return token?.kind === 'word' && token.text.toUpperCase() === keyword;
  }

  acceptWord(keyword: string): boolean {
    if (!this.peekWord(keyword)) return false;
    this.at += 1;
    return true;
  }

  expectWord(keyword: string): void {
    if (!this.acceptWord(keyword)) throw argumentInvalid(`Query: expected ${keyword}, found ${this.describeNext()}`);
  }

  private acceptSymbol(text: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind !== 'symbol' || token.text !== text) return false;
    this.at += 1;
    return true;
  }

  private expectSymbol(text: string): void {
    if (!this.acceptSymbol(text)) throw argumentInvalid(`Query: expected '${text}', found ${this.describeNext()}`);
  }

  expectEnd(): void {
    if (this.at < this.tokens.length) throw unsupported(`${this.describeNext()} after the query`);
  }

  private describeNext(): string {
    const token = this.tokens[this.at];
    if (!token) return 'the end';
    return token.kind === 'string' ? `'${token.value}'` : token.kind === 'number' ? String(token.value) : `'${token.text}'`;
  }
}

function valueAt(twin: JsonObject, path: string[]): JsonValue | undefined {
  let current: JsonValue | undefined = twin;
  for (const name of path) {
    if (!isJsonObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

/** IoT Hub's comparison: values of different types (or missing ones) compare as undefined. */
function compare(value: JsonValue | undefined, operator: string, literal: JsonValue): boolean | undefined {
  if (value === undefined) return undefined;
  if (literal === null || value === null) {
    if (operator === '=') return value === literal;
    if (operator === '!=' || operator === '<>') return value !== literal;
    return undefined;
  }
  if (typeof value !== typeof literal || typeof value === 'object') return undefined;
  const [a, b] = [value as string | number | boolean, literal as string | number | boolean];
  switch (operator) {
    case '=':
      return a === b;
    case '!=':
    case '<>':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}
