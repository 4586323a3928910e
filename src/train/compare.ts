/**
 * Is one training variant better than another, or only different? Both are scored on their
 * held-out predictions (`npm run train -- --heldout FILE`: every question of every fold, asked
 * of a model fitted without its article) by the selection criterion the README's experiments
 * are judged on, and the difference is bootstrapped over questions, paired: a resample draws
 * the same questions for both variants, so what the two share cancels and what is left is the
 * noise of which questions happened to be asked.
 *
 * The criterion: the mean over corpus kinds (one article, a group of articles, Heihe) of the
 * mean of answered (answerable questions answered), off-topic refused, and, where a kind has
 * them, its own unanswerables refused (written by people, not made by corruption: Heihe's).
 *
 * Questions are resampled within their stratum (corpus kind × answerable / off-topic / own
 * unanswerable), so each resample keeps every share's denominator. Questions of one article
 * are not independent, so the interval is, if anything, too narrow: a difference inside it is
 * noise; one outside it is worth a second look, not yet a finding.
 */
import { z } from 'zod';
import { seededRandom } from './random.js';
import { answersAt } from '../answer/calibration.js';

export const heldOutLineSchema = z.object({
  corpus: z.string(),
  /** The article whose fold held the question out (a group corpus is asked again in each of its articles' folds). */
  fold: z.string(),
  kind: z.enum(['one-document', 'group', 'heihe']),
  role: z.enum(['answerable', 'offtopic', 'unanswerable', 'adversarial']),
  made: z.boolean(),
  id: z.string(),
  p: z.number(),
  bankLevel: z.number().nullable(),
  /** Answerable: the composed answer holds every fact of the question. */
  fact: z.boolean(),
});
export type HeldOutLine = z.infer<typeof heldOutLineSchema>;

type Stratum = 'answerable' | 'offtopic' | 'own';
const STRATA: readonly Stratum[] = ['answerable', 'offtopic', 'own'];

/** Which share a held-out line counts in (null: none of the criterion's, e.g. adversarial). */
function stratumOf(line: HeldOutLine): Stratum | null {
  if (line.role === 'answerable' || line.role === 'offtopic') return line.role;
  return line.role === 'unanswerable' && !line.made ? 'own' : null;
}

/** Whether a variant answers a line: its P(answerable) reaches the model's threshold and the corpus's bank level. */
const answers = (line: HeldOutLine, threshold: number): boolean => answersAt(line.p, threshold, line.bankLevel ?? -Infinity);

/** A variant's outcome on one question. */
interface Outcome {
  /** 1 when it did the right thing: answered an answerable question, refused any other. */
  readonly right: number;
  /** 1 when it answered an answerable question with every fact. */
  readonly fact: number;
}
type Outcomes = ReadonlyMap<string, Outcome>;

const keyOf = (line: HeldOutLine): string => `${line.fold}\u0000${line.corpus}\u0000${line.role}\u0000${line.id}`;

function outcomes(lines: readonly HeldOutLine[], threshold: number): Map<string, Outcome> {
  const out = new Map<string, Outcome>();
  for (const line of lines) {
    if (!stratumOf(line)) continue;
    const answered = answers(line, threshold);
    out.set(keyOf(line), { right: answered === (line.role === 'answerable') ? 1 : 0, fact: answered && line.fact ? 1 : 0 });
  }
  return out;
}

/** The questions of one stratum of one corpus kind, by key, union of both variants. */
interface Cell {
  readonly kind: HeldOutLine['kind'];
  readonly stratum: Stratum;
  readonly keys: readonly string[];
}

function cellsOf(a: readonly HeldOutLine[], b: readonly HeldOutLine[]): Cell[] {
  const keys = new Map<string, Set<string>>();
  for (const line of [...a, ...b]) {
    const stratum = stratumOf(line);
    if (!stratum) continue;
    const cell = `${line.kind}/${stratum}`;
    let set = keys.get(cell);
    if (!set) keys.set(cell, (set = new Set()));
    set.add(keyOf(line));
  }
  return [...keys].map(([cell, set]) => {
    const [kind, stratum] = cell.split('/') as [HeldOutLine['kind'], Stratum];
    return { kind, stratum, keys: [...set].sort() };
  });
}

/** The criterion from per-cell shares (NaN-free: a cell a variant has no question of is left out). */
function criterion(shares: ReadonlyMap<string, number>): number {
  const kinds = new Set([...shares.keys()].map((k) => k.split('/')[0]));
  let total = 0;
  for (const kind of kinds) {
    const parts = STRATA.map((s) => shares.get(`${kind}/${s}`)).filter((v): v is number => v !== undefined);
    total += parts.reduce((x, y) => x + y, 0) / parts.length;
  }
  return total / kinds.size;
}

/** Fact recall from per-cell shares of answers with every fact: the mean over kinds of their answerable cell. */
function factRecall(shares: ReadonlyMap<string, number>): number {
  const values = [...shares].filter(([k]) => k.endsWith('/answerable')).map(([, v]) => v);
  return values.reduce((x, y) => x + y, 0) / values.length;
}

/** Shares of each cell for one variant, over `draw` (indices into each cell's keys; null: all of them once). */
function shares(cells: readonly Cell[], o: Outcomes, draw: ReadonlyArray<readonly number[]> | null, pick: (x: Outcome) => number): Map<string, number> {
  const out = new Map<string, number>();
  cells.forEach((cell, c) => {
    let right = 0;
    let n = 0;
    const indices = draw ? (draw[c] as readonly number[]) : cell.keys.map((_k, i) => i);
    for (const i of indices) {
      const v = o.get(cell.keys[i] as string);
      if (v === undefined) continue;
      right += pick(v);
      n++;
    }
    if (n > 0) out.set(`${cell.kind}/${cell.stratum}`, right / n);
  });
  return out;
}

/** One figure of both variants, with the paired bootstrap of its difference. */
export interface Compared {
  readonly base: number;
  readonly other: number;
  /** other − base. */
  readonly difference: number;
  /** The 2.5th and 97.5th percentiles of the resampled difference. */
  readonly interval: readonly [number, number];
  /** Share of resamples in which the other variant scores higher. */
  readonly otherBetter: number;
}

export interface Comparison {
  /** The selection criterion. */
  readonly criterion: Compared;
  /** Fact recall (answered with every fact, of the answerable questions), the mean over corpus kinds: reported beside the criterion. */
  readonly factRecall: Compared;
  /** Per cell ("heihe/own" …): each variant's share right and the questions behind it. */
  readonly cells: ReadonlyArray<{ readonly cell: string; readonly base: number; readonly other: number; readonly questions: number }>;
}

const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))] as number;

function compared(base: number, other: number, diffs: number[]): Compared {
  diffs.sort((x, y) => x - y);
  return {
    base,
    other,
    difference: other - base,
    interval: [percentile(diffs, 0.025), percentile(diffs, 0.975)],
    otherBetter: diffs.length ? diffs.filter((d) => d > 0).length / diffs.length : Number.NaN,
  };
}

const right = (x: Outcome): number => x.right;
const fact = (x: Outcome): number => x.fact;

/** The paired bootstrap comparison of two variants' held-out predictions (each with its model's refusal threshold). */
export function compareHeldOut(base: { lines: readonly HeldOutLine[]; threshold: number }, other: { lines: readonly HeldOutLine[]; threshold: number }, samples = 2000, seed = 1): Comparison {
  const cells = cellsOf(base.lines, other.lines);
  const ob = outcomes(base.lines, base.threshold);
  const oo = outcomes(other.lines, other.threshold);
  const random = seededRandom(seed);
  const criterionDiffs: number[] = [];
  const factDiffs: number[] = [];
  for (let s = 0; s < samples; s++) {
    const draw = cells.map((cell) => Array.from({ length: cell.keys.length }, () => Math.floor(random() * cell.keys.length)));
    criterionDiffs.push(criterion(shares(cells, oo, draw, right)) - criterion(shares(cells, ob, draw, right)));
    factDiffs.push(factRecall(shares(cells, oo, draw, fact)) - factRecall(shares(cells, ob, draw, fact)));
  }
  const sb = shares(cells, ob, null, right);
  const so = shares(cells, oo, null, right);
  return {
    criterion: compared(criterion(sb), criterion(so), criterionDiffs),
    factRecall: compared(factRecall(shares(cells, ob, null, fact)), factRecall(shares(cells, oo, null, fact)), factDiffs),
    cells: cells.map((cell) => {
      const name = `${cell.kind}/${cell.stratum}`;
      return { cell: name, base: sb.get(name) ?? Number.NaN, other: so.get(name) ?? Number.NaN, questions: cell.keys.length };
    }),
  };
}
