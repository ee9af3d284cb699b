import { describe, expect, it } from 'vitest';
import { parseYaml } from '../src/yaml-file.js';

const parse = (text: string) => parseYaml(text, 'f.yaml', 'INVALID_CONFIG');

describe('YAML duplicate keys (checked in one pass per map)', () => {
  it.each([
    ['a: 1\nb: 2\na: 3\n', 3, 1],
    ['x:\n  y: 1\n  y: 2\n', 3, 3],
    ['a: 1\nb: {c: 1, c: 2}\n', 2, 11],
    ['1: a\n"1": b\n', 2, 1],
    ['[a]: 1\n[a]: 2\n', 2, 1],
    ['- {k: 1}\n- {k: 2, k: 3}\n', 2, 10],
    ['~: a\n"": b\n', 2, 1],
    ['x: &n a\na: 1\n*n : 2\n', 3, 1],
  ])('%j is refused at the repeated key', (text, line, column) => {
    expect(() => parse(text)).toThrow(`f.yaml:${line}:${column}: invalid YAML: Map keys must be unique`);
  });

  it('equal keys in different maps, and merely similar keys, are fine', () => {
    expect(parse('a: {k: 1}\nb: {k: 2}\nc: 1\nC: 2\n"c ": 3\n~: 4\n"null": 5\n').value).toEqual({
      a: { k: 1 },
      b: { k: 2 },
      c: 1,
      C: 2,
      'c ': 3,
      '': 4,
      null: 5,
    });
  });

  it('a map of 20,000 keys parses, and its one repeated key (the last) is still found', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: ${i}\n`).join('');
    expect(Object.keys(parse(keys).value as object)).toHaveLength(20_000);
    expect(() => parse(`${keys}k0: again\n`)).toThrow(
      'f.yaml:20001:1: invalid YAML: Map keys must be unique',
    );
  });
});
