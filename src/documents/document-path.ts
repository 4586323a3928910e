/**
 * The path of a document in a request URL (`/documents/<path>`), checked before anything
 * touches the disk: a relative path below CORPUS_DIR, subfolders separated by literal `/`,
 * each segment percent-decoded exactly once. Refused: absolute paths and empty segments,
 * `.`/`..`, hidden names (the ingest skips them), encoded slashes or backslashes, `%` left
 * after decoding (a second encoding), NUL and other control characters, characters other
 * systems reserve in names, names that are not sources (.txt, .md), and long paths. Pure: the
 * file-system checks (symbolic links, the real path staying inside the corpus) come after, in
 * corpus-files.ts.
 */
import { AppError } from '../errors.js';
import { SOURCE_FILE } from '../ingest/read-corpus.js';

/** A whole path, in UTF-8 bytes once decoded. */
export const MAX_DOCUMENT_PATH_BYTES = 512;
/** One name (NAME_MAX of common file systems). */
export const MAX_SEGMENT_BYTES = 255;
export const MAX_DEPTH = 16;

export interface DocumentPath {
  /** The decoded segments: folders, then the file name. */
  readonly segments: readonly string[];
  /** Relative to CORPUS_DIR with `/`, as the index manifest and GET /documents name sources. */
  readonly relative: string;
  readonly mediaType: 'text/plain' | 'text/markdown';
}

const invalidPath = (why: string): AppError => new AppError('invalid_path', 400, `Invalid document path: ${why}.`);

// C0 and C1 controls and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Reserved in names on Windows; refused so a corpus can move between systems.
const RESERVED = /[<>:"|?*]/;

function checkSegment(segment: string): void {
  if (segment === '.' || segment === '..') throw invalidPath('"." and ".." segments are not allowed');
  if (segment.includes('/')) throw invalidPath('an encoded "/" (%2F) is not allowed: separate folders with a plain "/"');
  if (segment.includes('\\')) throw invalidPath('backslashes are not allowed: separate folders with "/"');
  if (CONTROL.test(segment)) throw invalidPath('control characters (NUL, line breaks, ...) are not allowed');
  if (segment.startsWith('.')) throw invalidPath('hidden files and folders (names starting with ".") are not allowed');
  if (RESERVED.test(segment)) throw invalidPath('the characters < > : " | ? * are not allowed');
  if (segment.includes('%')) throw invalidPath('"%" is not allowed once the path is decoded (was it encoded twice?)');
  if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw invalidPath(`a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
}

/**
 * The document path of `raw`, the part of the URL path after `/documents/`, still
 * percent-encoded as it arrived. Throws AppError 400 invalid_path saying what is wrong.
 */
export function parseDocumentPath(raw: string): DocumentPath {
  // Bounded before decoding: "%xx" is three bytes of URL per byte of path.
  if (raw.length > MAX_DOCUMENT_PATH_BYTES * 3) throw invalidPath(`longer than ${MAX_DOCUMENT_PATH_BYTES} bytes`);
  if (raw === '') throw invalidPath('it is empty');
  const rawSegments = raw.split('/');
  if (rawSegments[0] === '') throw invalidPath('absolute paths are not allowed');
  if (rawSegments.length > MAX_DEPTH) throw invalidPath(`more than ${MAX_DEPTH} levels`);
  const segments = rawSegments.map((s) => {
    if (s === '') throw invalidPath('empty segments ("//" or a trailing "/") are not allowed');
    try {
      return decodeURIComponent(s);
    } catch {
      throw invalidPath('it is not valid percent-encoded UTF-8');
    }
  });
  for (const s of segments) checkSegment(s);
  const relative = segments.join('/');
  if (Buffer.byteLength(relative) > MAX_DOCUMENT_PATH_BYTES) throw invalidPath(`longer than ${MAX_DOCUMENT_PATH_BYTES} bytes`);
  const name = segments[segments.length - 1] ?? '';
  if (!SOURCE_FILE.test(name)) throw invalidPath('only .txt and .md (or .markdown) files are documents');
  return { segments, relative, mediaType: /\.txt$/i.test(name) ? 'text/plain' : 'text/markdown' };
}
