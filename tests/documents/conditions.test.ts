/**
 * If-Match / If-None-Match over a document's sha256: strong comparison for If-Match (a weak
 * tag never matches), quoted or bare tags, lists, `*`, and a missing document.
 */
import { describe, expect, test } from 'vitest';
import { entityTag, failedPrecondition, parseEntityTags } from '../../src/documents/conditions.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

describe('parseEntityTags', () => {
  test('absent, blank, *, and lists', () => {
    expect(parseEntityTags(undefined)).toBeUndefined();
    expect(parseEntityTags('  ')).toBeUndefined();
    expect(parseEntityTags(' * ')).toBe('*');
    expect(parseEntityTags(`"${A}", W/"${B}" ,`)).toEqual([`"${A}"`, `W/"${B}"`]);
  });
});

describe('failedPrecondition', () => {
  test('none: always fine', () => {
    expect(failedPrecondition(A, {})).toBeNull();
    expect(failedPrecondition(null, {})).toBeNull();
  });

  test('If-Match: the current hash, quoted (as ETag sends it), bare, upper-case or in a list', () => {
    for (const header of [entityTag(A), A, A.toUpperCase(), `"${B}", "${A}"`]) expect(failedPrecondition(A, { ifMatch: parseEntityTags(header) })).toBeNull();
  });

  test('If-Match: another hash, a weak tag, or a missing document fail', () => {
    expect(failedPrecondition(A, { ifMatch: parseEntityTags(entityTag(B)) })).toMatch(new RegExp(`sha256 is now ${A}`));
    expect(failedPrecondition(A, { ifMatch: parseEntityTags(`W/"${A}"`) })).toMatch(/has changed/);
    expect(failedPrecondition(A, { ifMatch: parseEntityTags('not-a-hash') })).toMatch(/has changed/);
    expect(failedPrecondition(null, { ifMatch: parseEntityTags(entityTag(A)) })).toMatch(/does not exist/);
    expect(failedPrecondition(null, { ifMatch: '*' })).toMatch(/does not exist/);
    expect(failedPrecondition(A, { ifMatch: '*' })).toBeNull();
  });

  test('If-None-Match: * creates only; a matching tag (weak comparison) fails', () => {
    expect(failedPrecondition(null, { ifNoneMatch: '*' })).toBeNull();
    expect(failedPrecondition(A, { ifNoneMatch: '*' })).toMatch(/already exists/);
    expect(failedPrecondition(A, { ifNoneMatch: parseEntityTags(`W/"${A}"`) })).toMatch(/matches/);
    expect(failedPrecondition(A, { ifNoneMatch: parseEntityTags(entityTag(B)) })).toBeNull();
  });
});
