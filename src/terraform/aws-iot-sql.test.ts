import { describe, expect, it } from 'vitest';
import { parseRuleSql } from './aws-iot-sql.js';

describe('parseRuleSql', () => {
  it('splits projection, topic filter and condition', () => {
    const result = parseRuleSql("SELECT temperature, topic(3) AS deviceId FROM 'dt/thermostat/+/telemetry' WHERE temperature > 30");
    expect(result).toEqual({
      ok: true,
      sql: {
        select: 'temperature, topic(3) AS deviceId',
        topicFilter: 'dt/thermostat/+/telemetry',
        where: {
          kind: 'binary',
          operator: '>',
          left: { kind: 'path', segments: ['temperature'] },
          right: { kind: 'literal', value: 30 },
        },
      },
    });
  });

  it('reads keywords in any case and a statement without WHERE', () => {
    expect(parseRuleSql("select * from 'a/#'")).toEqual({ ok: true, sql: { select: '*', topicFilter: 'a/#', where: null } });
  });

  it('binds NOT, AND, OR and arithmetic by precedence', () => {
    const result = parseRuleSql("SELECT * FROM 't' WHERE NOT a = 1 OR b.c + 2 * 3 >= -4 AND isNull(d)");
    expect(result.ok && result.sql.where).toEqual({
      kind: 'binary',
      operator: 'OR',
      left: { kind: 'not', operand: { kind: 'binary', operator: '=', left: { kind: 'path', segments: ['a'] }, right: { kind: 'literal', value: 1 } } },
      right: {
        kind: 'binary',
        operator: 'AND',
        left: {
          kind: 'binary',
          operator: '>=',
          left: {
            kind: 'binary',
            operator: '+',
            left: { kind: 'path', segments: ['b', 'c'] },
            right: { kind: 'binary', operator: '*', left: { kind: 'literal', value: 2 }, right: { kind: 'literal', value: 3 } },
          },
          right: { kind: 'negate', operand: { kind: 'literal', value: 4 } },
        },
        right: { kind: 'call', name: 'isNull', args: [{ kind: 'path', segments: ['d'] }] },
      },
    });
  });

  it('normalises != to <> and reads quoted strings with escapes', () => {
    const result = parseRuleSql("SELECT * FROM 't' WHERE name != 'O''Brien' AND note = \"a\\\"b\"");
    expect(result.ok && result.sql.where).toEqual({
      kind: 'binary',
      operator: 'AND',
      left: { kind: 'binary', operator: '<>', left: { kind: 'path', segments: ['name'] }, right: { kind: 'literal', value: "O'Brien" } },
      right: { kind: 'binary', operator: '=', left: { kind: 'path', segments: ['note'] }, right: { kind: 'literal', value: 'a"b' } },
    });
  });

  it('keeps a FROM inside a nested call in the projection', () => {
    const result = parseRuleSql("SELECT get(x, 'FROM') AS y FROM 'a/b'");
    expect(result.ok && result.sql.select).toBe("get(x, 'FROM') AS y");
  });

  it.each([
    ["DELETE FROM 'a'", 'expected SELECT'],
    ['SELECT *', 'no FROM'],
    ['SELECT * FROM a/b', 'quoted topic filter'],
    ["SELECT * FROM 'a' WHERE", 'ends too early'],
    ["SELECT * FROM 'a' WHERE (x = 1", 'missing ")"'],
    ["SELECT * FROM 'a' WHERE x[0] = 1", 'array indexing'],
    ["SELECT * FROM 'a' WHERE CASE x WHEN 1 THEN true END", 'CASE is not supported'],
    ["SELECT * FROM 'a' WHERE x = 'open", 'unterminated string'],
    ["SELECT * FROM 'a' WHERE x ~ 1", 'unexpected character'],
    ["SELECT * FROM 'a' ORDER BY x", 'after the topic filter'],
  ])('reports %s as a parse error', (sql, message) => {
    const result = parseRuleSql(sql);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain(message);
  });
});
