import { describe, expect, test } from 'vitest';
import { groupSecret, svgDataUri } from './totp.ts';

describe('svgDataUri', () => {
  test('base64-encodes the SVG, including non-ASCII text', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>Código</title></svg>';
    const uri = svgDataUri(svg);
    expect(uri.startsWith('data:image/svg+xml;base64,')).toBe(true);
    const decoded = Buffer.from(uri.split(',')[1] ?? '', 'base64').toString('utf8');
    expect(decoded).toBe(svg);
  });
});

describe('groupSecret', () => {
  test('groups in fours without a trailing space', () => {
    expect(groupSecret('JBSWY3DPEHPK3PXP')).toBe('JBSW Y3DP EHPK 3PXP');
    expect(groupSecret('ABCDEF')).toBe('ABCD EF');
    expect(groupSecret('AB CD')).toBe('ABCD');
  });
});
