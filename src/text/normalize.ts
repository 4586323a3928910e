/**
 * Making words comparable however they were typed: invisible format characters (zero-width
 * spaces and joiners, bidi controls, soft hyphens: Unicode category Cf) are dropped, accents
 * and other marks are folded away and letters outside ASCII are transliterated (any-ascii:
 * "Ögedei" → "ogedei", "Łódź" → "lodz", "’" → "'"), then lower-cased. Offsets are never
 * computed on folded text: the tokenizer folds each token, not the text.
 */
import anyAscii from 'any-ascii';

const INVISIBLE = /\p{Cf}/gu;
const ASCII = /^[\x20-\x7e]*$/;

/** The text without invisible format characters (for questions before they are searched or echoed). */
export function stripInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** The folded, lower-case form of one word as written. */
export function foldWord(surface: string): string {
  const visible = surface.replace(INVISIBLE, '');
  return (ASCII.test(visible) ? visible : anyAscii(visible)).toLowerCase();
}
