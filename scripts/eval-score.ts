/**
 * The scoring rules of ../shared/eval/ask-eval.mjs, applied to in-process answers, so
 * `npm run eval` and the black-box scorer report the same figures.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Answer } from '../src/types.js';
import type { EvalCase } from '../src/train/labelled.js';

export type { EvalCase };

/** The corpus as the scorer reads it: one file, or a directory's .txt/.md files (recursively, sorted). */
export function corpusText(p: string): string {
  const files = (dir: string, top: boolean): string[] =>
    statSync(dir).isDirectory()
      ? readdirSync(dir)
          .sort()
          .flatMap((n) => files(path.join(dir, n), false))
      : top || /\.(txt|md)$/i.test(dir)
        ? [dir]
        : [];
  return files(p, true)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

export interface Figures {
  questions: number;
  retrieval_hit: number;
  fact_recall: number;
  answered: number;
  oos_refusal: number;
  faithful: number;
  markers_valid: number;
  /** Median length of grounded answers, markers included. */
  answer_chars: number;
  p50_ms: number;
  p95_ms: number;
}

const norm = (s: string): string => s.replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, ' ').trim();
const lower = (s: string): string => norm(s).toLowerCase();

export function scoreAnswers(results: ReadonlyArray<{ c: EvalCase; answer: Answer; ms: number }>, corpusText: string): { figures: Figures; misses: string[] } {
  const corpus = norm(corpusText);
  const t = { inScope: 0, hit: 0, facts: 0, answered: 0, oos: 0, refused: 0, cites: 0, faithful: 0, markersOk: 0 };
  const misses: string[] = [];
  const chars: number[] = [];
  for (const { c, answer } of results) {
    if (answer.grounded) chars.push(answer.answer.length);
    for (const cit of answer.citations) {
      t.cites++;
      if (cit.text.trim() && corpus.includes(norm(cit.text))) t.faithful++;
    }
    const ns = new Set(answer.citations.map((x) => x.n));
    if ([...answer.answer.matchAll(/\[(\d+)\]/g)].every((m) => ns.has(Number(m[1])))) t.markersOk++;
    if (c.oos) {
      t.oos++;
      if (answer.grounded === false) t.refused++;
      else misses.push(`${c.id} not refused: ${c.question}`);
      continue;
    }
    t.inScope++;
    const hit = answer.citations.some((cit) => (c.evidence ?? []).some((e) => lower(cit.text).includes(lower(e))));
    const factsOk = (c.facts ?? []).every((f) => lower(answer.answer).includes(lower(f)));
    if (hit) t.hit++;
    if (factsOk) t.facts++;
    if (answer.grounded) t.answered++;
    if (!hit || !factsOk || !answer.grounded) misses.push(`${c.id} hit=${hit} facts=${factsOk} grounded=${answer.grounded}: ${c.question}`);
  }
  const lat = results.map((r) => r.ms).sort((a, b) => a - b);
  const pct = (p: number): number => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? Number.NaN;
  const ratio = (a: number, b: number): number => (b ? a / b : Number.NaN);
  return {
    figures: {
      questions: results.length,
      retrieval_hit: ratio(t.hit, t.inScope),
      fact_recall: ratio(t.facts, t.inScope),
      answered: ratio(t.answered, t.inScope),
      oos_refusal: ratio(t.refused, t.oos),
      faithful: ratio(t.faithful, t.cites),
      markers_valid: ratio(t.markersOk, results.length),
      answer_chars: chars.sort((a, b) => a - b)[Math.floor(chars.length / 2)] ?? Number.NaN,
      p50_ms: pct(50),
      p95_ms: pct(95),
    },
    misses,
  };
}
