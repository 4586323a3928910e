/**
 * The facts of a sentence that must appear, as such, in a passage it cites: its numbers (with
 * their magnitude and unit: "1.5 million", "1689", "30%", "17th century") and its names. Both
 * the claim and the passage go through the shared tokenizer, so accents, number words and
 * ordinals ("eight"/"8", "third"/"3rd"), thousands separators ("1,500,000") and magnitude
 * words ("1.5 million") do not matter; names also match through the aliases the corpus
 * defines ("Heihe" / "Anheihe") and as their demonyms ("Russia" / "Russian").
 * Pure: text in, facts out.
 */
import commonEnglish from 'wink-lexicon/src/lexicon.js';
import { tokenize, type Token } from '../text/tokenize.js';
import type { Aliases } from '../text/aliases.js';

/**
 * Whether a folded word is a common English word (wink-lexicon's 13k-word tagged lexicon,
 * which holds no proper nouns): a capitalised first word that is not one is a name.
 */
export function isCommonWord(key: string): boolean {
  const tags = Object.hasOwn(commonEnglish, key) ? commonEnglish[key] : undefined;
  return tags !== undefined && !tags.every((t) => t.startsWith('NNP'));
}

/** A number as stated: its value (magnitude applied) and its unit, if any. */
export interface Quantity {
  readonly value: number;
  /** A canonical unit ("percent", "km", "century", "currency:$" ...) or null. */
  readonly unit: string | null;
  /** Offsets of the number (with its magnitude and unit) in the text. */
  readonly start: number;
  readonly end: number;
}

// Words that multiply what comes before them ("1.5 million", "two hundred thousand").
const MULTIPLIERS = new Map<string, number>([
  ['hundred', 1e2],
  ['thousand', 1e3],
  ['million', 1e6],
  ['billion', 1e9],
  ['trillion', 1e12],
  ['dozen', 12],
]);
// Suffixes written onto digits: "1.5m", "30k", "2bn"; and units: "30km", "5kg".
const SUFFIX_MAGNITUDES = new Map<string, number>([
  ['k', 1e3],
  ['m', 1e6],
  ['mn', 1e6],
  ['bn', 1e9],
]);
const ATTACHED = /^(\d+(?:\.\d+)?)([a-z]{1,3})$/;

/** Unit words (lemmas of the shared tokenizer) and the unit they name. */
export const UNITS = new Map<string, string>(
  Object.entries({
    percent: 'percent',
    km: 'km',
    kilometre: 'km',
    kilometer: 'km',
    metre: 'm',
    meter: 'm',
    cm: 'cm',
    mm: 'mm',
    mile: 'mile',
    mi: 'mile',
    hectare: 'hectare',
    ha: 'hectare',
    acre: 'acre',
    kg: 'kg',
    kilogram: 'kg',
    gram: 'g',
    ton: 'tonne',
    tonne: 'tonne',
    degree: 'degree',
    century: 'century',
    decade: 'decade',
    year: 'year',
    month: 'month',
    week: 'week',
    day: 'day',
    hour: 'hour',
    minute: 'minute',
    dollar: 'currency:$',
    usd: 'currency:$',
    yuan: 'currency:yuan',
    rmb: 'currency:yuan',
    ruble: 'currency:ruble',
    rouble: 'currency:ruble',
    euro: 'currency:€',
    pound: 'currency:£',
  }),
);
const CURRENCY_SIGNS = new Map<string, string>([
  ['$', 'currency:$'],
  ['€', 'currency:€'],
  ['£', 'currency:£'],
  ['¥', 'currency:yuan'],
]);

// "one" is a pronoun as often as a number: "one of the first", "no one", "one another".
const PRONOUN_ONE_BEFORE = new Set(['no', 'any', 'each', 'every', 'some', 'which', 'this', 'that', 'the']);
const PRONOUN_ONE_AFTER = new Set(['of', 'another']);

const isPronounOne = (tokens: readonly Token[], i: number): boolean =>
  tokens[i]?.key === 'one' && (PRONOUN_ONE_AFTER.has(tokens[i + 1]?.key ?? '') || PRONOUN_ONE_BEFORE.has(tokens[i - 1]?.key ?? ''));

/** Only white space or one hyphen between two tokens: "twenty-five", "1.5 million". */
const adjacent = (text: string, a: Token, b: Token): boolean => /^(?:\s+|-)$/.test(text.slice(a.end, b.start));

/** The unit written right after `end` (a sign, a unit word, "per cent"), and where it ends. */
function unitAfter(text: string, tokens: readonly Token[], next: number, end: number): { unit: string; end: number } | null {
  const rest = text.slice(end);
  const sign = /^\s?(%|°)/.exec(rest);
  if (sign) return { unit: sign[1] === '%' ? 'percent' : 'degree', end: end + sign[0].length };
  const t = tokens[next];
  if (!t || !/^\s*$/.test(text.slice(end, t.start))) return null;
  if (t.key === 'per' && tokens[next + 1]?.key === 'cent') return { unit: 'percent', end: (tokens[next + 1] as Token).end };
  if (t.key === 'square' && tokens[next + 1]) {
    const inner = UNITS.get((tokens[next + 1] as Token).lemma);
    if (inner) return { unit: `${inner}2`, end: (tokens[next + 1] as Token).end };
  }
  const unit = UNITS.get(t.lemma) ?? UNITS.get(t.key);
  return unit ? { unit, end: t.end } : null;
}

/** The quantities stated in `text`, in order. */
export function quantities(text: string, tokens: readonly Token[] = tokenize(text)): Quantity[] {
  const out: Quantity[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const first = tokens[i] as Token;
    const attached = first.number === null ? ATTACHED.exec(first.key) : null;
    const attachedUnit = attached ? (SUFFIX_MAGNITUDES.has(attached[2] as string) ? null : (UNITS.get(attached[2] as string) ?? null)) : null;
    if (first.number === null && !(attached && (SUFFIX_MAGNITUDES.has(attached[2] as string) || attachedUnit))) continue;
    if (isPronounOne(tokens, i)) continue;
    // A run of number tokens makes one number: "two hundred thousand", "twenty-five", "1.5 million".
    let total = 0;
    let current = attached ? Number(attached[1]) * (SUFFIX_MAGNITUDES.get(attached[2] as string) ?? 1) : (first.number as number);
    let last = i;
    while (!attached) {
      const next = tokens[last + 1];
      if (!next || next.number === null || next.digits || !adjacent(text, tokens[last] as Token, next)) break;
      const multiplier = MULTIPLIERS.get(next.key);
      if (multiplier !== undefined) {
        current = (current || 1) * multiplier;
        if (multiplier >= 1000) {
          total += current;
          current = 0;
        }
      } else if ((tokens[last] as Token).digits) break;
      else current += next.number;
      last++;
    }
    const value = total + current;
    const before = text.slice(Math.max(0, first.start - 1), first.start);
    const end = (tokens[last] as Token).end;
    const after = attachedUnit ? { unit: attachedUnit, end } : unitAfter(text, tokens, last + 1, end);
    const unit = CURRENCY_SIGNS.get(before) ?? after?.unit ?? null;
    out.push({ value, unit, start: CURRENCY_SIGNS.has(before) ? first.start - 1 : first.start, end: after?.end ?? end });
    i = last;
  }
  return out;
}

const sameValue = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Whether a claim's quantity is stated in a passage: the same value, and its unit if it names one. */
export const quantityIn = (q: Quantity, passage: readonly Quantity[]): boolean => passage.some((p) => sameValue(p.value, q.value) && (q.unit === null || q.unit === p.unit));

/** What a passage offers for names to match: its words as lemmas, word families and folded keys. */
export interface NameBag {
  readonly keys: ReadonlySet<string>;
  readonly lemmas: ReadonlySet<string>;
  readonly stems: ReadonlySet<string>;
}

export function nameBag(texts: readonly string[]): NameBag {
  const keys = new Set<string>();
  const lemmas = new Set<string>();
  const stems = new Set<string>();
  for (const text of texts) {
    for (const t of tokenize(text)) {
      keys.add(t.key);
      lemmas.add(t.lemma);
      stems.add(t.stem);
    }
  }
  return { keys, lemmas, stems };
}

// A country or region and its people or language: "Russia" / "Russian", "China" / "Chinese",
// "Italy" / "Italian", "Japan" / "Japanese". A closed class of English suffixes: two names
// match when they reduce to the same stem of four letters or more.
const PEOPLE_SUFFIXES = ['ian', 'an', 'ese', 'ish', 'n', 'i', ''];
function demonymStems(key: string): Set<string> {
  const stems = new Set<string>();
  for (const suffix of PEOPLE_SUFFIXES) {
    if (!key.endsWith(suffix)) continue;
    const stem = key.slice(0, key.length - suffix.length);
    stems.add(stem);
    if (/[aey]$/.test(stem)) stems.add(stem.slice(0, -1));
  }
  return new Set([...stems].filter((s) => s.length >= 4));
}

function demonymIn(key: string, bag: NameBag): boolean {
  const mine = demonymStems(key);
  if (mine.size === 0) return false;
  for (const other of bag.keys) if (other[0] === key[0] && [...demonymStems(other)].some((s) => mine.has(s))) return true;
  return false;
}

/** Whether a name of a claim occurs in a passage: as written (folded), as a lemma or word family, through an alias, or as its demonym. */
export function nameIn(name: Token, bag: NameBag, aliases: Aliases): boolean {
  if (bag.keys.has(name.key) || bag.lemmas.has(name.lemma) || bag.stems.has(name.stem)) return true;
  for (const other of aliases.byLemma.get(name.lemma) ?? []) if (other.every((l) => bag.lemmas.has(l))) return true;
  return demonymIn(name.key, bag);
}

/**
 * Words that set a claim's scope or polarity: negation ("not", "never"), universality ("all",
 * "every", "always") and exclusivity ("only", "solely"). They are stop words, so the support
 * score never sees them, yet each one changes what a sentence asserts: "healthcare is free
 * for all residents" claims more than a passage about healthcare, "trade is not important"
 * the opposite of one about trade. A class a claim uses must be used by a passage it cites.
 * "each" is left out: "each other" is how a paraphrase says "mutual".
 */
const SCOPE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  negation: ['not', 'no', 'never', 'none', 'nor', 'neither', 'nobody', 'nothing', 'nowhere', 'without', 'cannot'],
  universal: ['all', 'every', 'always', 'everyone', 'everybody', 'everything', 'everywhere', 'entire', 'entirely', 'completely', 'universally'],
  exclusive: ['only', 'solely', 'exclusively', 'sole'],
};
const SCOPE_OF = new Map(Object.entries(SCOPE_CLASSES).flatMap(([cls, words]) => words.map((w) => [w, cls] as const)));

/** The scope classes (see SCOPE_CLASSES) a text's words use. */
export function scopeClasses(tokens: readonly Token[]): Set<string> {
  const out = new Set<string>();
  for (const t of tokens) {
    const cls = SCOPE_OF.get(t.key) ?? (/n['’]t$/.test(t.key) ? 'negation' : undefined);
    if (cls) out.add(cls);
  }
  return out;
}
