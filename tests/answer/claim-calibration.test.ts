/**
 * models/claim-check.json is what scripts/claim-threshold.ts computes from the labelled claims
 * (tests/fixtures/llm-claims.jsonl) over the real corpus and word vectors: the settings chosen
 * on the "tune" split and the figures of every split. A change to the check, the fixture or the
 * corpus that moves them fails here until the file is regenerated (npm run claims:threshold).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRuntime, loadClaimSettings } from '../../src/runtime.js';
import type { ServingIndex } from '../../src/answer/serving-index.js';
import { checkLabelled, chooseSettings, claimFigures, parseLabelledClaims, SPLITS, type LabelledClaim } from '../../src/answer/claim-calibration.js';
import { PROJECT_ROOT } from '../helpers/test-server.js';

const FILE = path.join(PROJECT_ROOT, 'models/claim-check.json');
let dir: string;
let index: ServingIndex;
let claims: LabelledClaim[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'heihe-claims-test-'));
  const runtime = await createRuntime(parseConfig({ EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'), CORPUS_DIR: path.join(PROJECT_ROOT, 'corpus'), INDEX_DIR: dir }));
  index = await runtime.loadServingIndex();
  claims = parseLabelledClaims(readFileSync(path.join(PROJECT_ROOT, 'tests/fixtures/llm-claims.jsonl'), 'utf8'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the fixture: at least 40 supported paraphrases held out, and every kind of planted claim in both splits', () => {
  for (const split of ['tune', 'test'] as const) {
    const of = claims.filter((c) => c.split === split);
    expect(of.filter((c) => c.label === 'supported').length).toBeGreaterThanOrEqual(40);
    for (const label of ['wrong_number', 'absent_name', 'wrong_passage', 'unsupported'] as const) expect(of.filter((c) => c.label === label).length, `${split} ${label}`).toBeGreaterThanOrEqual(5);
  }
  expect(new Set(claims.map((c) => c.id)).size).toBe(claims.length);
  for (const c of claims) if (c.label !== 'supported' && c.label !== 'contradiction') expect(c.planted, c.id).toBeTruthy();
});

test('the committed settings are the ones chosen on the tune split, with the figures recorded', async () => {
  const committed = JSON.parse(readFileSync(FILE, 'utf8')) as { figures: Record<string, unknown> };
  const settings = await loadClaimSettings(FILE);
  const choice = chooseSettings(index, claims.filter((c) => c.split === 'tune'));
  expect(choice.settings).toEqual(settings);
  for (const split of SPLITS) expect(claimFigures(checkLabelled(index, claims.filter((c) => c.split === split), settings)), split).toEqual(committed.figures[split]);
}, 120_000);
