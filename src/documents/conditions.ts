/**
 * Conditional writes (RFC 9110 §13): a document's entity tag is the sha256 of its bytes, sent
 * as `ETag: "<sha256>"`. `If-Match` makes a replace or delete happen only while the document
 * is still the version the client read (two editors cannot silently overwrite each other);
 * `If-None-Match: *` makes a PUT create-only. Tags may come quoted (as ETag sends them) or bare
 * (`If-Match: <sha256>`); weak tags (`W/"…"`) never match If-Match, which compares strongly.
 * Pure: the caller reads the current hash under the write lock and passes it in.
 */
export type EntityTags = '*' | readonly string[];

export interface Preconditions {
  readonly ifMatch?: EntityTags | undefined;
  readonly ifNoneMatch?: EntityTags | undefined;
}

interface Tag {
  readonly value: string;
  readonly weak: boolean;
}

/** The tags of an If-Match / If-None-Match header (undefined when absent or blank). */
export function parseEntityTags(header: string | undefined): EntityTags | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  if (header.trim() === '*') return '*';
  return header
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

function tagOf(text: string): Tag {
  const weak = /^W\//i.test(text);
  const bare = weak ? text.slice(2) : text;
  const unquoted = bare.length >= 2 && bare.startsWith('"') && bare.endsWith('"') ? bare.slice(1, -1) : bare;
  return { value: unquoted.toLowerCase(), weak };
}

/** `ETag` header value of a document's sha256. */
export const entityTag = (sha256: string): string => `"${sha256}"`;

/**
 * Why the preconditions fail for a document whose current sha256 is `current` (null: it does
 * not exist), or null when the write may go ahead.
 */
export function failedPrecondition(current: string | null, p: Preconditions): string | null {
  if (p.ifMatch !== undefined) {
    if (current === null) return 'If-Match was sent but the document does not exist.';
    const matches = p.ifMatch === '*' || p.ifMatch.map(tagOf).some((t) => !t.weak && t.value === current);
    if (!matches) return `If-Match does not match: the document has changed (its sha256 is now ${current}). Fetch it again and retry.`;
  }
  if (p.ifNoneMatch !== undefined && current !== null) {
    if (p.ifNoneMatch === '*') return 'If-None-Match: * was sent but the document already exists.';
    if (p.ifNoneMatch.map(tagOf).some((t) => t.value === current)) return 'If-None-Match matches the current version of the document.';
  }
  return null;
}
