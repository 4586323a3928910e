/**
 * Choosing the claim check's settings on labelled examples, and the figures they give. A
 * labelled example is a sentence as a model would write it, the passage it cites (found by a
 * piece of its text, `evidence`) and whether that passage supports it: "supported" paraphrases,
 * and planted unsupported claims (a wrong number, a name the passage does not have, a true
 * claim cited to the wrong passage, content the passage does not hold). "contradiction"
 * examples (the passage's own words saying something false) are reported, not planted: no
 * word-level check can see them. Used by scripts/claim-threshold.ts, and by the test that
 * keeps models/claim-check.json honest.
 */
import { z } from 'zod';
import type { Chunk } from '../types.js';
import { ClaimChecker, type ClaimCheckSettings, type ClaimIndex, type FactFailure } from './claim-check.js';

export const PLANTED_LABELS = ['wrong_number', 'absent_name', 'wrong_passage', 'unsupported'] as const;
export const CLAIM_LABELS = ['supported', ...PLANTED_LABELS, 'contradiction'] as const;
export type ClaimLabel = (typeof CLAIM_LABELS)[number];
/**
 * "tune": the settings are chosen on it; "test": held out from that choice (but seen while the
 * check was designed); "blind": written after the check and its settings were fixed, and never
 * used to change either; "blind2": the same, written later by someone who never saw the
 * check's code, settings or the other examples (only their format), after the scope-word check.
 */
export const SPLITS = ['tune', 'test', 'blind', 'blind2'] as const;

export const labelledClaimSchema = z.object({
  id: z.string(),
  split: z.enum(SPLITS),
  label: z.enum(CLAIM_LABELS),
  question: z.string(),
  /** A piece of the text of the passage the claim cites. */
  evidence: z.string(),
  /** The sentence, with `[*]` where its marker goes. */
  claim: z.string().includes('[*]'),
  /** Of a planted claim: the words that must not reach a client. */
  planted: z.string().optional(),
  note: z.string().optional(),
});
export type LabelledClaim = z.infer<typeof labelledClaimSchema>;

export const isPlanted = (label: ClaimLabel): boolean => (PLANTED_LABELS as readonly string[]).includes(label);

export function parseLabelledClaims(jsonl: string): LabelledClaim[] {
  return jsonl
    .split('\n')
    .filter((l) => l.trim())
    .map((l, i) => {
      const parsed = labelledClaimSchema.safeParse(JSON.parse(l));
      if (!parsed.success) throw new Error(`line ${i + 1}: ${parsed.error.issues[0]?.message ?? 'bad shape'}`);
      return parsed.data;
    });
}

/** The position of the chunk a claim cites (the one holding its evidence), or -1. */
export const evidenceChunk = (chunks: readonly Chunk[], evidence: string): number => chunks.findIndex((c) => c.text.includes(evidence));

export interface ClaimOutcome {
  readonly claim: LabelledClaim;
  /** The number, name or scope word its passage does not state, if any. */
  readonly fact: FactFailure | null;
  readonly support: number;
  /** What the check keeps of it ('' when dropped). */
  readonly kept: string;
}

/** Checks every labelled claim against its passage, cited as [1]. */
export function checkLabelled(index: ClaimIndex, claims: readonly LabelledClaim[], settings: ClaimCheckSettings): ClaimOutcome[] {
  const chunks = index.retriever.chunks;
  return claims.map((claim) => {
    const position = evidenceChunk(chunks, claim.evidence);
    if (position < 0) throw new Error(`${claim.id}: no passage holds its evidence "${claim.evidence}"`);
    const chunk = chunks[position] as Chunk;
    const checker = new ClaimChecker({ index, passages: [{ n: 1, text: chunk.text, section: chunk.section, source: chunk.source, position }], settings, systemPrompt: '' });
    const sentence = claim.claim.replaceAll('[*]', '[1]');
    const { fact, support } = checker.evaluateSentence(claim.claim.replaceAll(/\s*\[\*\]/g, ''), [1]);
    return { claim, fact, support, kept: checker.check(sentence).text };
  });
}

export interface ClaimFigures {
  readonly supported: { readonly kept: number; readonly trimmed: number; readonly total: number; readonly rate: number };
  readonly planted: { readonly reached: number; readonly total: number; readonly byLabel: Record<string, { readonly reached: number; readonly total: number }> };
  readonly contradictions: { readonly kept: number; readonly total: number };
  /** AUC of the support score: supported claims against planted ones no number or name gives away. */
  readonly auc: number;
}

const norm = (t: string): string => t.toLowerCase().replace(/\s+/g, ' ');

/** Whether what the check kept of a planted claim still says what was planted. */
export const plantedReached = (o: ClaimOutcome): boolean => o.kept !== '' && norm(o.kept).includes(norm(o.claim.planted ?? o.claim.claim));

export function claimFigures(outcomes: readonly ClaimOutcome[]): ClaimFigures {
  const supported = outcomes.filter((o) => o.claim.label === 'supported');
  const planted = outcomes.filter((o) => isPlanted(o.claim.label));
  const byLabel: Record<string, { reached: number; total: number }> = {};
  for (const label of PLANTED_LABELS) {
    const of = planted.filter((o) => o.claim.label === label);
    byLabel[label] = { reached: of.filter(plantedReached).length, total: of.length };
  }
  const kept = supported.filter((o) => o.kept !== '');
  const positives = supported.map((o) => o.support);
  const negatives = planted.filter((o) => !o.fact).map((o) => o.support);
  let auc = 0;
  // The Mann-Whitney AUC: the share of (supported, planted) pairs ranked right, a tie counting half.
  for (const p of positives) for (const n of negatives) auc += p > n ? 1 : p === n ? 0.5 : 0;
  const contradictions = outcomes.filter((o) => o.claim.label === 'contradiction');
  return {
    supported: { kept: kept.length, trimmed: kept.filter((o) => o.kept !== o.claim.claim.replaceAll('[*]', '[1]')).length, total: supported.length, rate: supported.length ? kept.length / supported.length : 1 },
    planted: { reached: planted.filter(plantedReached).length, total: planted.length, byLabel },
    contradictions: { kept: contradictions.filter((o) => o.kept !== '').length, total: contradictions.length },
    auc: positives.length && negatives.length ? auc / (positives.length * negatives.length) : 1,
  };
}

/**
 * The settings tried: sentence windows, and soft-match bands of word-vector cosine. The floors
 * run from "loosely related" (0.5) to "related" (0.7) in steps of 0.05, the widths up to 0.3
 * (a band ending at 1.0 from the highest floor); see the cosine scale in features.ts.
 */
export const SETTINGS_GRID = {
  window: [1, 2, 3],
  softFloor: [0.5, 0.55, 0.6, 0.65, 0.7],
  softWidth: [0.1, 0.2, 0.3],
} as const;

/** The least share of supported examples the chosen threshold must keep (issue 12's target: ≥ 95 %). */
export const MIN_SUPPORTED_KEPT = 0.95;

export interface Choice {
  readonly settings: ClaimCheckSettings;
  /** Planted claims the check rejects, supported ones it keeps (on the examples chosen on). */
  readonly rejected: number;
  readonly kept: number;
  /** The smallest distance of a support score to the threshold (its margin). */
  readonly margin: number;
}

/**
 * Picks the settings on labelled examples: for every window and soft band, the threshold that
 * rejects the most planted claims while keeping at least MIN_SUPPORTED_KEPT of the supported
 * ones, then the most supported ones kept, then the widest margin; the threshold sits midway
 * between the scores on either side of it.
 */
export function chooseSettings(index: ClaimIndex, claims: readonly LabelledClaim[]): Choice {
  let best: Choice | null = null;
  for (const window of SETTINGS_GRID.window)
    for (const softFloor of SETTINGS_GRID.softFloor)
      for (const width of SETTINGS_GRID.softWidth) {
        const base = { window, softFloor, softCeil: Math.round((softFloor + width) * 100) / 100, threshold: 0 };
        const outcomes = checkLabelled(index, claims, base);
        const pos = outcomes.filter((o) => o.claim.label === 'supported').map((o) => o.support);
        // Planted claims a number or name already gives away are rejected whatever the threshold.
        const caught = outcomes.filter((o) => isPlanted(o.claim.label) && o.fact).length;
        const neg = outcomes.filter((o) => isPlanted(o.claim.label) && !o.fact).map((o) => o.support);
        const cuts = [...new Set([...pos, ...neg, 0, 1.0001])].sort((a, b) => a - b);
        for (let i = 1; i < cuts.length; i++) {
          const threshold = ((cuts[i - 1] as number) + (cuts[i] as number)) / 2;
          const kept = pos.filter((s) => s >= threshold).length;
          if (kept < MIN_SUPPORTED_KEPT * pos.length) continue;
          const rejected = caught + neg.filter((s) => s < threshold).length;
          const margin = Math.min(...[...pos, ...neg].map((s) => Math.abs(s - threshold)));
          const choice: Choice = { settings: { ...base, threshold: Math.round(threshold * 1e4) / 1e4 }, rejected, kept, margin };
          if (!best || rejected > best.rejected || (rejected === best.rejected && (kept > best.kept || (kept === best.kept && margin > best.margin)))) best = choice;
        }
      }
  if (!best) throw new Error('no settings keep enough supported examples');
  return best;
}
