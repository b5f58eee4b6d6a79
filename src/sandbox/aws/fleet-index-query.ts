/**
 * The subset of AWS IoT fleet-indexing query syntax that dynamic thing groups in the
 * sandbox use: `field:value` terms (value may hold `*` wildcards or be quoted), AND, OR,
 * NOT and parentheses. Fields: thingName, thingTypeName, attributes.<name>.
 * An unsupported query is an InvalidQueryException at creation time, as in AWS.
 */
export interface IndexedThing {
  thingName: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
}

type Node =
  | { kind: 'term'; field: string; pattern: RegExp }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node };

export class InvalidQueryError extends Error {}

export function compileFleetQuery(query: string): (thing: IndexedThing) => boolean {
  const tokens = tokenize(query);
  let position = 0;

  const peek = () => tokens[position];
  const next = () => tokens[position++];

  // Precedence as in Lucene-style syntax: NOT binds tighter than AND, AND than OR;
  // juxtaposed terms are joined with AND.
  const parseOr = (): Node => {
    let left = parseAnd();
    while (peek() === 'OR') {
      next();
      left = { kind: 'or', left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseUnary();
    while (peek() !== undefined && peek() !== 'OR' && peek() !== ')') {
      if (peek() === 'AND') next();
      left = { kind: 'and', left, right: parseUnary() };
    }
    return left;
  };
  const parseUnary = (): Node => {
    const token = next();
    if (token === undefined) throw new InvalidQueryError(`query ended early: ${query}`);
    if (token === 'NOT') return { kind: 'not', operand: parseUnary() };
    if (token === '(') {
      const inner = parseOr();
      if (next() !== ')') throw new InvalidQueryError(`missing ) in query: ${query}`);
      return inner;
    }
    const colon = token.indexOf(':');
    if (colon <= 0) throw new InvalidQueryError(`expected field:value, got "${token}"`);
    const field = token.slice(0, colon);
    if (!/^(thingName|thingTypeName|attributes\.[A-Za-z0-9_.,@/:#-]+)$/.test(field)) {
      throw new InvalidQueryError(`unsupported field "${field}" in query`);
    }
    const raw = token.slice(colon + 1).replace(/^"(.*)"$/, '$1');
    const escaped = raw.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
    return { kind: 'term', field, pattern: new RegExp(`^${escaped}$`) };
  };

  const root = parseOr();
  if (position !== tokens.length) throw new InvalidQueryError(`unexpected "${tokens[position]}" in query`);
  return (thing) => evaluate(root, thing);
}

function evaluate(node: Node, thing: IndexedThing): boolean {
  switch (node.kind) {
    case 'term': {
      const value =
        node.field === 'thingName'
          ? thing.thingName
          : node.field === 'thingTypeName'
            ? thing.thingTypeName
            : thing.attributes[node.field.slice('attributes.'.length)];
      return value !== undefined && node.pattern.test(value);
    }
    case 'and':
      return evaluate(node.left, thing) && evaluate(node.right, thing);
    case 'or':
      return evaluate(node.left, thing) || evaluate(node.right, thing);
    case 'not':
      return !evaluate(node.operand, thing);
  }
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  const pattern = /\s*(\(|\)|[^\s()"]+(?:"[^"]*")?)/gy;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(query)) !== null) tokens.push(match[1]!);
  if (query.slice(pattern.lastIndex).trim() !== '' && tokens.join('').length === 0) {
    throw new InvalidQueryError(`cannot parse query: ${query}`);
  }
  return tokens;
}
