/**
 * Answers are capped: the answer text and each cited passage. Chunks are bounded at ingest, so
 * the cap matters for a generation written by an older chunker (one run-on paragraph as a
 * single huge chunk; simulated here by a chunker limit of a million characters): the response
 * stays small, where it used to carry the whole run-on text.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createRuntime } from '../../src/runtime.js';
import { buildGeneration } from '../../src/ingest/build-generation.js';
import { beginGeneration } from '../../src/index-store/transaction.js';
import { generationName } from '../../src/index-store/generation.js';
import { MAX_ANSWER_CHARS, MAX_CITATION_CHARS, capText } from '../../src/answer/cap.js';
import { PROJECT_ROOT, tempDir } from '../helpers/test-server.js';

describe('capText', () => {
  test('keeps what fits; cuts longer text at a word boundary with an ellipsis', () => {
    expect(capText('short text', 20)).toBe('short text');
    const cut = capText('one two three four five six', 14);
    expect(cut).toBe('one two three…');
    expect(cut.length).toBeLessThanOrEqual(14);
    // No white space to cut at: cut at the limit.
    expect(capText('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

test('an answer from a generation with a 60,000-character chunk is capped, and so are its citations', async () => {
  const dir = tempDir('heihe-cap-');
  try {
    const runtime = await createRuntime(parseConfig({ EMBEDDINGS_CACHE_DIR: path.join(PROJECT_ROOT, '.cache'), INDEX_DIR: path.join(dir, 'index'), CORPUS_DIR: dir }));
    let runOn = '';
    for (let i = 0; runOn.length < 60_000; i++) runOn += `the ferry to Blagoveshchensk leaves from pier ${i} `;
    const sources = [{ path: 'runon.txt', text: `The ferry to Blagoveshchensk ${runOn}` }];
    const { data } = await buildGeneration(sources, { chunker: { maxChars: 1_000_000, minChars: 0 }, embedding: runtime.embedding, now: new Date() });
    expect(data.chunks[0]?.text.length).toBeGreaterThan(60_000);
    const tx = await beginGeneration(runtime.config.indexDir, generationName(data.manifest, new Date()));
    await tx.write(data);
    const loaded = await tx.verify(runtime.embedding.embeddings, runtime.embedding.info);
    await tx.commit();
    const answer = await runtime.answer({ question: 'Where does the ferry to Blagoveshchensk leave from?', history: [], k: 5 }, await runtime.toServing(loaded));
    expect(answer.citations.length).toBeGreaterThan(0);
    expect(answer.answer.length).toBeLessThanOrEqual(MAX_ANSWER_CHARS);
    for (const c of answer.citations) expect(c.text.length).toBeLessThanOrEqual(MAX_CITATION_CHARS);
    expect(JSON.stringify(answer).length).toBeLessThan(MAX_ANSWER_CHARS + 2 * MAX_CITATION_CHARS);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
