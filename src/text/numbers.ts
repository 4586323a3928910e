/**
 * Values of numerals and English number words, so "8" and "eight", "3rd" and "third",
 * "1,000" and "1000" are the same term. Compounds ("twenty-five") are split by the tokenizer
 * and left as parts: rare in questions, and a part still matches.
 */
const CARDINALS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const ORDINALS = ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const TENS_ORDINAL = ['', '', 'twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'];

const WORDS = new Map<string, number>();
CARDINALS.forEach((w, i) => WORDS.set(w, i));
ORDINALS.forEach((w, i) => WORDS.set(w, i));
TENS.forEach((w, i) => w && WORDS.set(w, i * 10));
TENS_ORDINAL.forEach((w, i) => w && WORDS.set(w, i * 10));
for (const [w, v] of [['hundred', 1e2], ['hundredth', 1e2], ['thousand', 1e3], ['thousandth', 1e3], ['million', 1e6], ['millionth', 1e6], ['billion', 1e9], ['billionth', 1e9], ['dozen', 12]] as const) WORDS.set(w, v);

const NUMERAL = /^(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th|s)?$/;

/** The value of a folded token written with digits ("1,000", "1.5", "3rd", "1990s"), else null. */
export function numeralValue(key: string): number | null {
  const m = NUMERAL.exec(key);
  if (!m) return null;
  const value = Number(`${(m[1] ?? '').replace(/,/g, '')}${m[2] ?? ''}`);
  return Number.isFinite(value) ? value : null;
}

/** The value of a number word ("eight", "third", "million"), else null. */
export function numberWordValue(key: string): number | null {
  return WORDS.get(key) ?? null;
}

/** Magnitude words: a count stated in words ("1.5 million", "thousands of"). */
export const MAGNITUDE_WORDS: ReadonlySet<string> = new Set(['hundred', 'hundreds', 'thousand', 'thousands', 'million', 'millions', 'billion', 'billions', 'dozen', 'dozens', 'percent', 'per cent']);
