/**
 * Document paths from request URLs: what is accepted (subfolders, non-ASCII names, each
 * segment decoded once) and everything refused before the disk is touched, each with a 400
 * invalid_path saying why.
 */
import { describe, expect, test } from 'vitest';
import { AppError } from '../../src/errors.js';
import { MAX_DEPTH, MAX_DOCUMENT_PATH_BYTES, parseDocumentPath } from '../../src/documents/document-path.js';

const refusal = (raw: string): string => {
  try {
    parseDocumentPath(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'invalid_path', status: 400 });
    return (err as AppError).message;
  }
  throw new Error(`accepted: ${raw}`);
};

describe('accepted', () => {
  test('a name, subfolders, encoded spaces and non-ASCII names, decoded once', () => {
    expect(parseDocumentPath('heihe.txt')).toEqual({ segments: ['heihe.txt'], relative: 'heihe.txt', mediaType: 'text/plain' });
    expect(parseDocumentPath('guides/river%20port.md')).toEqual({ segments: ['guides', 'river port.md'], relative: 'guides/river port.md', mediaType: 'text/markdown' });
    expect(parseDocumentPath(`${encodeURIComponent('黑河')}/${encodeURIComponent('港口.MD')}`).relative).toBe('黑河/港口.MD');
    expect(parseDocumentPath('a/b/notes.markdown').mediaType).toBe('text/markdown');
    expect(parseDocumentPath('notes.TXT').mediaType).toBe('text/plain');
    expect(parseDocumentPath('v1.2%20(draft).txt').relative).toBe('v1.2 (draft).txt');
  });
});

describe('refused', () => {
  test('traversal: "..", ".", in plain or percent-encoded form, and encoded slashes', () => {
    for (const raw of ['../x.txt', 'a/../../x.txt', '%2e%2e/x.txt', '%2E%2E/x.txt', '.%2e/x.txt', './x.txt', 'a/./x.txt']) expect(refusal(raw)).toMatch(/"\." and "\.\."/);
    for (const raw of ['..%2fx.txt', 'a%2F..%2F..%2Fx.txt', '%2fetc%2fpasswd.txt']) expect(refusal(raw)).toMatch(/encoded "\/"/);
  });

  test('absolute paths, empty segments, trailing slashes', () => {
    expect(refusal('/etc/passwd.txt')).toMatch(/absolute/);
    expect(refusal('')).toMatch(/empty/);
    expect(refusal('a//b.txt')).toMatch(/empty segments/);
    expect(refusal('a.txt/')).toMatch(/empty segments/);
    expect(refusal('C:%5Cevil.txt')).toMatch(/backslash|< > :/);
  });

  test('backslashes, raw or encoded', () => {
    for (const raw of ['..\\x.txt', 'a%5c..%5cx.txt', 'a\\b.txt']) expect(refusal(raw)).toMatch(/backslash/);
  });

  test('NUL and other control characters', () => {
    for (const raw of ['evil%00.txt', 'evil.txt%00.md', 'line%0Abreak.txt', 'tab%09.txt', 'del%7F.txt', 'c1%C2%85.txt']) expect(refusal(raw)).toMatch(/control characters/);
  });

  test('hidden names anywhere, reserved characters, a second encoding', () => {
    expect(refusal('.env.md')).toMatch(/hidden/);
    expect(refusal('.git/config.md')).toMatch(/hidden/);
    expect(refusal('a/.hidden/b.md')).toMatch(/hidden/);
    expect(refusal('what%3F.txt')).toMatch(/< > :/);
    expect(refusal('%252e%252e/x.txt')).toMatch(/encoded twice/);
  });

  test('names that are not sources', () => {
    for (const raw of ['notes', 'notes.exe', 'index.html', 'a.txt.sh', 'folder/', 'x.md%20']) expect(() => parseDocumentPath(raw)).toThrow(AppError);
    expect(refusal('notes.pdf')).toMatch(/only \.txt and \.md/);
  });

  test('malformed percent-encoding', () => {
    expect(refusal('%E0%A4%A.txt')).toMatch(/percent-encoded/);
    expect(refusal('%zz.txt')).toMatch(/percent-encoded/);
  });

  test('length limits: the whole path, one name, the depth', () => {
    expect(refusal(`${'a'.repeat(256)}.txt`)).toMatch(/255 bytes/);
    expect(parseDocumentPath(`${'a'.repeat(251)}.txt`).relative).toHaveLength(255);
    const long = Array.from({ length: 3 }, () => 'b'.repeat(200)).join('/');
    expect(refusal(`${long}.txt`)).toMatch(new RegExp(`${MAX_DOCUMENT_PATH_BYTES} bytes`));
    expect(refusal(`${'d/'.repeat(MAX_DEPTH)}x.txt`)).toMatch(/levels/);
    expect(parseDocumentPath(`${'d/'.repeat(MAX_DEPTH - 1)}x.txt`).segments).toHaveLength(MAX_DEPTH);
    // Multi-byte names count in bytes: 100 three-byte characters are 300 bytes.
    expect(refusal(`${encodeURIComponent('港'.repeat(100))}.txt`)).toMatch(/255 bytes/);
  });
});
