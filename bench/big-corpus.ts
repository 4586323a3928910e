/**
 * A large generated corpus: `files` variants of one text, every paragraph tagged with its file
 * number and an edition, so two editions share no chunk (all of it must be embedded again).
 * Used by the re-index stall benchmark and by the tests of re-indexing at size.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Writes the corpus; returns its size in bytes. */
export function writeVariantCorpus(dir: string, text: string, files: number, edition: number): number {
  mkdirSync(dir, { recursive: true });
  const paragraphs = text.split(/\n\s*\n/);
  let bytes = 0;
  for (let f = 0; f < files; f++) {
    const variant = paragraphs.map((p, i) => (p.trim() ? `${p.trim()} (Record ${f}-${i}, edition ${edition}.)` : p)).join('\n\n');
    writeFileSync(path.join(dir, `part-${String(f).padStart(3, '0')}.txt`), variant);
    bytes += Buffer.byteLength(variant);
  }
  return bytes;
}

/** How many variant files make about `bytes` of text. */
export function filesFor(text: string, bytes: number): number {
  const one = Buffer.byteLength(text) + text.split(/\n\s*\n/).length * 32;
  return Math.max(1, Math.ceil(bytes / one));
}
