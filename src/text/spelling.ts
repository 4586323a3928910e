/**
 * One spelling per word: British spellings as their American form ("specialised" →
 * "specialized", "centre" → "center", "travellers" → "travelers"), so that a question and a
 * corpus written on either side of the Atlantic share lemmas, word families and word vectors.
 * The list is american-british-english-translator's (1,738 word forms, MIT): spelling
 * variants only, not words that differ in meaning ("flat" / "apartment"), which it keeps apart.
 */
import { createRequire } from 'node:module';
import { z } from 'zod';

const require = createRequire(import.meta.url);
const BRITISH_TO_AMERICAN: ReadonlyMap<string, string> = new Map(
  Object.entries(z.record(z.string(), z.string()).parse(require('american-british-english-translator/data/british_spellings.json'))),
);

/** The American spelling of a folded (lower-case) word, or the word itself. */
export function americanSpelling(key: string): string {
  return BRITISH_TO_AMERICAN.get(key) ?? key;
}
