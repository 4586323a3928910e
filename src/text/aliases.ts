/**
 * Other names the corpus itself gives for a thing, mined once per index generation:
 * appositives ("Anheihe, also called Heihe") and acronyms defined in the text ("European
 * Union (EU)", "IoT (Internet of Things)"). A question using one name then matches passages
 * that use the other. Names are kept as lemma sequences of the shared tokenizer.
 */
import { tokenize, type Token } from './tokenize.js';

/** Lemma sequences that name the same thing, e.g. [["eu"], ["european", "union"]]. */
export type AliasGroup = ReadonlyArray<readonly string[]>;

export interface Aliases {
  readonly groups: readonly AliasGroup[];
  /** For a one-word name: the other names of its groups. */
  readonly byLemma: ReadonlyMap<string, ReadonlyArray<readonly string[]>>;
  /** Multi-word names with the other names of their groups (matched as consecutive lemmas). */
  readonly phrases: ReadonlyArray<{ readonly lemmas: readonly string[]; readonly others: ReadonlyArray<readonly string[]> }>;
}

export const NO_ALIASES: Aliases = { groups: [], byLemma: new Map(), phrases: [] };

const NAME = String.raw`(\p{Lu}[\p{L}\p{N}'’-]*)`;
const APPOSITIVE = new RegExp(
  `${NAME},?\\s+(?:\\(\\s*)?(?:also|additionally|formerly|otherwise|sometimes|commonly)?\\s*(?:called|known as|named|spelled|a\\.k\\.a\\.)\\s+${NAME}`,
  'gu',
);
// "(EU)", "(IoT)": 2–8 letters with at least two capitals.
const PAREN = /\(([\p{L}]{2,8})\)/gu;
const CAPITALS = /\p{Lu}.*\p{Lu}/u;
// Small words an acronym may skip ("Internet of Things" is IoT, "Bank of England" is BoE or BE).
const SKIPPABLE = new Set(['of', 'the', 'and', 'for', 'in', 'on', 'de', 'to', 'a', 'an']);

const lemmas = (text: string): string[] => tokenize(text).map((t) => t.lemma);

/**
 * The words at the end of `tokens` whose initials spell `acronym` (small words may be skipped
 * or give their initial), or null. The first word must be capitalised and give the first letter.
 */
export function expansionBefore(tokens: readonly Token[], acronym: string): Token[] | null {
  const letters = acronym.toLowerCase();
  // Backtracking over at most a few words: "National Aeronautics and Space Administration" is
  // NASA only if "and" is skipped, not used for the second A.
  const match = (ti: number, li: number): number | null => {
    if (li < 0) return ti + 1;
    const t = tokens[ti];
    if (!t) return null;
    if (t.key[0] === letters[li]) {
      const start = match(ti - 1, li - 1);
      if (start !== null && (li > 0 || t.capitalized)) return li === 0 ? ti : start;
    }
    if (SKIPPABLE.has(t.key) && li < letters.length - 1) return match(ti - 1, li);
    return null;
  };
  const start = match(tokens.length - 1, letters.length - 1);
  if (start === null) return null;
  const picked = tokens.slice(start);
  return picked.length >= 2 && picked[0]?.capitalized ? picked : null;
}

function acronymPairs(text: string): Array<[string[], string[]]> {
  const pairs: Array<[string[], string[]]> = [];
  for (const m of text.matchAll(PAREN)) {
    const inner = m[1] ?? '';
    const before = tokenize(text.slice(Math.max(0, m.index - 120), m.index));
    if (CAPITALS.test(inner)) {
      // "European Union (EU)"
      const expansion = expansionBefore(before, inner);
      if (expansion) pairs.push([lemmas(inner), expansion.map((t) => t.lemma)]);
    }
  }
  // "IoT (Internet of Things)": an acronym followed by its expansion in parentheses.
  for (const m of text.matchAll(/\b(\p{L}{2,8})\s+\(([^()]{3,80})\)/gu)) {
    const acronym = m[1] ?? '';
    if (!CAPITALS.test(acronym)) continue;
    const inner = tokenize(m[2] ?? '');
    const expansion = expansionBefore(inner, acronym);
    if (expansion && expansion.length === inner.length) pairs.push([lemmas(acronym), expansion.map((t) => t.lemma)]);
  }
  return pairs;
}

function appositivePairs(text: string): Array<[string[], string[]]> {
  const pairs: Array<[string[], string[]]> = [];
  for (const m of text.matchAll(APPOSITIVE)) {
    const a = lemmas(m[1] ?? '');
    const b = lemmas(m[2] ?? '');
    if (a.length > 0 && b.length > 0 && a.join(' ') !== b.join(' ')) pairs.push([a, b]);
  }
  return pairs;
}

/** Alias groups of a corpus: names linked by any mined pair are one group. */
export function mineAliases(texts: readonly string[]): Aliases {
  const groupOf = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    const ga = groupOf.get(a) ?? new Set([a]);
    const gb = groupOf.get(b) ?? new Set([b]);
    const merged = ga === gb ? ga : new Set([...ga, ...gb]);
    for (const name of merged) groupOf.set(name, merged);
  };
  for (const text of texts) for (const [a, b] of [...appositivePairs(text), ...acronymPairs(text)]) link(a.join(' '), b.join(' '));
  return aliasesFromGroups([...new Set(groupOf.values())].map((g) => [...g].sort().map((name) => name.split(' '))));
}

/** The lookup tables of alias groups (as mined, or as stored with a generation). */
export function aliasesFromGroups(groups: ReadonlyArray<ReadonlyArray<readonly string[]>>): Aliases {
  const byLemma = new Map<string, Array<readonly string[]>>();
  const phrases: Array<{ lemmas: readonly string[]; others: ReadonlyArray<readonly string[]> }> = [];
  for (const group of groups) {
    for (const name of group) {
      const others = group.filter((o) => o !== name);
      if (name.length === 1) byLemma.set(name[0] as string, [...(byLemma.get(name[0] as string) ?? []), ...others]);
      else phrases.push({ lemmas: name, others });
    }
  }
  return { groups, byLemma, phrases };
}
