/**
 * Other names the corpus itself gives for a thing ("Anheihe, also called Heihe"), mined from
 * appositive patterns, so a question using either name finds passages that use the other.
 */
import { runNow, type Steps } from '../sliced.js';

/** Lower-cased one-word name -> the other names it is given. Symmetric. */
export type Aliases = ReadonlyMap<string, ReadonlySet<string>>;

const NAME = String.raw`(\p{Lu}[\p{L}\p{N}'’-]*)`;
const APPOSITIVE = new RegExp(
  `${NAME},?\\s+(?:\\(\\s*)?(?:also|additionally|formerly|otherwise|sometimes|commonly)?\\s*(?:called|known as|named|spelled|a\\.k\\.a\\.)\\s+${NAME}`,
  'gu',
);

export function mineAliases(texts: readonly string[]): Aliases {
  return runNow(aliasSteps(texts));
}

/** mineAliases, pausing every few dozen texts. */
export function* aliasSteps(texts: readonly string[]): Steps<Aliases> {
  const out = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    let set = out.get(a);
    if (!set) out.set(a, (set = new Set()));
    set.add(b);
  };
  for (const [i, text] of texts.entries()) {
    if (i % 64 === 63) yield;
    for (const m of text.matchAll(APPOSITIVE)) {
      const a = (m[1] ?? '').toLowerCase().replace(/’/g, "'").replace(/'s$/, '');
      const b = (m[2] ?? '').toLowerCase().replace(/’/g, "'").replace(/'s$/, '');
      if (!a || !b || a === b) continue;
      link(a, b);
      link(b, a);
    }
  }
  return out;
}

/** The query with the other names of any name it mentions appended (for retrieval). */
export function expandWithAliases(query: string, aliases: Aliases): string {
  if (aliases.size === 0) return query;
  const extra = new Set<string>();
  for (const m of query.toLowerCase().replace(/’/g, "'").matchAll(/[\p{L}\p{N}'-]+/gu)) {
    for (const alt of aliases.get(m[0].replace(/'s$/, '')) ?? []) extra.add(alt);
  }
  return extra.size ? `${query} ${[...extra].join(' ')}` : query;
}
