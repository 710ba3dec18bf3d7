import { describe, expect, test } from 'vitest';
import { resources } from './resources.ts';

const { en, es } = resources;

/** Flattens nested resources into [dotted.key, value] pairs. */
function entries(tree: unknown, prefix = ''): [string, unknown][] {
  if (tree !== null && typeof tree === 'object' && !Array.isArray(tree)) {
    return Object.entries(tree).flatMap(([key, value]) =>
      entries(value, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [[prefix, tree]];
}

const placeholders = (text: unknown) =>
  String(text)
    .match(/{{\s*[\w.]+\s*}}/g)
    ?.sort() ?? [];

describe.each([
  ['en', en],
  ['es', es],
])('%s translations', (_lang, resources) => {
  test('every value is a non-empty string', () => {
    for (const [key, value] of entries(resources)) {
      expect(typeof value, key).toBe('string');
      expect(String(value).trim(), key).not.toBe('');
    }
  });
});

test('English and Spanish have exactly the same keys', () => {
  const keys = (tree: unknown) =>
    entries(tree)
      .map(([key]) => key)
      .sort();
  expect(keys(es)).toEqual(keys(en));
});

test('each Spanish text uses the same {{placeholders}} as the English one', () => {
  const spanish = new Map(entries(es));
  for (const [key, english] of entries(en)) {
    expect(placeholders(spanish.get(key)), key).toEqual(placeholders(english));
  }
});
