/**
 * End-to-end test of the chat page in a real browser (Debian's /usr/bin/chromium driven by
 * playwright-core) against the real server (startTestServer: real runtime, real index, real
 * Express on loopback). Offline extractive mode, except one XSS check that runs LLM mode against
 * the local OpenAI stub.
 *
 * It covers what a visitor meets: a streamed answer whose markers and sources appear as they
 * arrive; the popover with the quoted sentence marked and scrolled into view, and a sign when a
 * passage runs on; a refusal that shows the passages that came closest; a status pill that
 * follows the server going away and coming back; plain words on the first view, details behind
 * a toggle; a sticky header, tap targets of at least 24 px, a text box that keeps its width when
 * Stop appears; chats kept in localStorage with a list to reopen or delete them; feedback that
 * reaches FEEDBACK_DIR; hostile text shown, never run. Screenshots go to docs/.
 *
 * Chromium starts once for the whole file, with a generous timeout and a warm-up page: a first
 * start on a fresh machine can take long (fonts, profile), and must not fail the tests.
 * Chromium missing is a failure, not a skip: install it with
 *   apt-get update && apt-get install -y chromium
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type Request, type Route } from 'playwright-core';
import { PROJECT_ROOT, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { startOpenAIStub, textReply, type OpenAIStub } from '../helpers/openai-stub.js';
import type { Answer } from '../helpers/http.js';

// Browser work on a shared 2-core machine: roomy limits, and no timed assertions.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 300_000 });

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STORAGE_KEY = 'heihe-chats-v1';
const TMP_DIR = path.join(PROJECT_ROOT, 'tests', '.tmp');
const DOCS = path.join(PROJECT_ROOT, 'docs');
const WAIT = { timeout: 30_000 };
const SHOT = { animations: 'disabled', caret: 'hide' } as const;

const AMUR_Q = 'Which river forms the natural boundary between China and Russia?';
const CLIMATE_Q = 'What kind of climate does Heihe have?';
const WINTER_Q = 'What about the winters there?';
const OFF_CORPUS_Q = 'How do I bake sourdough bread?';
const LANTERN_Q = 'What does the Heihe Lantern Festival feature?';
const WORKSHOP_Q = 'How long does it take to carve an ice lantern at the workshop?';

// A hostile passage: markup and a javascript: link that must be shown as text, never run.
const SCRIPT_PAYLOAD = '<script>window.__pwned=1</script>';
const IMG_PAYLOAD = '<img src=x onerror="window.__pwned=2">';
const LINK_PAYLOAD = '[click](javascript:window.__pwned=3)';
const HOSTILE_SECTION = 'Lantern Festival <b>Night</b>';
const HOSTILE_PASSAGE =
  `The Heihe Lantern Festival features carved ice lanterns along the riverbank every January ${SCRIPT_PAYLOAD} ` +
  `and a parade of paper dragons ${IMG_PAYLOAD} with a ${LINK_PAYLOAD} link for tickets.`;
// A long passage (one chunk of ~1,000 characters) whose quoted sentences come last, so the
// popover must scroll to them and show that the passage runs on.
const LONG_SECTION = 'Ice Lantern Workshop';
const LONG_PASSAGE = [
  'Work on Daheihe Island begins every December, when the river ice reaches its full thickness.',
  'Blocks are cut from the frozen river with long saws and hauled to the workshop on sledges pulled by small tractors.',
  'Apprentices spend their first winter sweeping, stacking and learning how the grain of river ice differs from the ice of frozen ponds.',
  'Senior artisans sketch each design on paper first, then mark the outline on the block with chalk and a heated wire.',
  'The inner chamber is hollowed with chisels so that a candle or a small lamp can sit inside without melting the walls too quickly.',
  'Coloured lamps were introduced in the 1990s and are now the most photographed part of the display.',
  'Visitors may watch from a heated gallery above the carving floor and can buy small souvenir lanterns at the gate.',
  'The workshop closes at dusk, when the finished lanterns are carried to the riverbank promenade.',
  'Carving a single large ice lantern at the workshop takes a master carver about six hours.',
].join(' ');

const JARGON = /extractive|chunks?\b|embedding|wink|sif-v2|\b[0-9a-f]{12}\b/i;

let browser: Browser;
let srv: TestServer; // project corpus, extractive
let extraSrv: TestServer; // project corpus + hostile and long passages, extractive
let llmSrv: TestServer; // the same corpus, LLM mode against the stub
let stub: OpenAIStub;
let extraCorpus: string;
let desktopContext: BrowserContext;
const contexts: BrowserContext[] = [];
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce' };
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

interface Watched {
  page: Page;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Every request URL the page made. */
  requests: string[];
  /** POST /ask requests, in order. */
  asks: Request[];
}

/** A fresh browser context (its own localStorage), closed with the others at the end. */
async function newContext(opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ ...DESKTOP, ...opts });
  contexts.push(context);
  return context;
}

/** Opens `/` in a new tab of `context` (default: the shared desktop context) and waits for "Ready". */
async function openPage(baseUrl: string, context: BrowserContext = desktopContext): Promise<Watched> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  const watched: Watched = { page, errors: [], requests: [], asks: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') watched.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => watched.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    watched.requests.push(r.url());
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/ask') watched.asks.push(r);
  });
  const res = await page.goto(baseUrl + '/');
  expect(res?.status()).toBe(200);
  await page.locator('#status[data-state="ok"]').waitFor(WAIT);
  return watched;
}

interface Recorder {
  /** In order: data-state changes (with the value before), and what was added to each answer. */
  events: Array<{ a: Element; kind: 'state'; old: string | null } | { a: Element; kind: 'text' | 'cite' | 'source' }>;
}

/**
 * Records, in order, every data-state change of each `.a` and every text node, marker and
 * source added to an answer while it is on the page, so a fast stream is still observed
 * exactly. (The final rendering builds its body off-page and adds it whole, so what is seen
 * arriving into an attached body or sources list is what streamed.)
 */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __e2e?: Recorder };
    if (w.__e2e) return;
    const rec: Recorder = { events: [] };
    w.__e2e = rec;
    new MutationObserver((records) => {
      for (const r of records) {
        if (!(r.target instanceof Element)) continue;
        const a = r.target.closest('.a');
        if (!a) continue;
        if (r.type === 'attributes' && r.target === a) {
          rec.events.push({ a, kind: 'state', old: r.oldValue });
          continue;
        }
        for (const n of Array.from(r.addedNodes)) {
          if (r.target.classList.contains('a-body') && n.nodeType === Node.TEXT_NODE && n.textContent) rec.events.push({ a, kind: 'text' });
          else if (r.target.classList.contains('a-body') && n instanceof Element && n.matches('.cite-wrap')) rec.events.push({ a, kind: 'cite' });
          else if (r.target.matches('.sources ol') && n instanceof Element && n.matches('li')) rec.events.push({ a, kind: 'source' });
        }
      }
    }).observe(document.getElementById('log')!, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
}

/** For one answer: the states it went through, and what arrived while it was in each. */
async function history(answer: Locator): Promise<{ states: string[]; arrived: Record<string, string[]> }> {
  return answer.evaluate((a) => {
    const events = ((window as unknown as { __e2e?: Recorder }).__e2e?.events ?? []).filter((e) => e.a === a);
    const states: string[] = [];
    const arrived: Record<string, string[]> = {};
    events.forEach((e, i) => {
      if (e.kind === 'state') {
        if (e.old !== null && states.at(-1) !== e.old) states.push(e.old);
        return;
      }
      // The state at this moment is the one the next state change leaves, or the current one.
      const next = events.slice(i + 1).find((x) => x.kind === 'state') as { old: string | null } | undefined;
      const state = next ? (next.old ?? '') : (a.getAttribute('data-state') ?? '');
      (arrived[state] ??= []).push(e.kind);
    });
    const now = a.getAttribute('data-state');
    if (now !== null && states.at(-1) !== now) states.push(now);
    return { states, arrived };
  });
}

interface StoredChat {
  id: string;
  title: string;
  turns: Array<{ id: string; question: string; status: string; answer?: Answer; feedback?: { verdict: string; note?: string } }>;
}

async function storedChats(page: Page): Promise<StoredChat[]> {
  const raw = await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY);
  return raw ? (JSON.parse(raw) as { chats: StoredChat[] }).chats : [];
}

/** The turns of the chat the page shows (the one holding its first turn's id). */
async function shownTurns(page: Page): Promise<StoredChat['turns']> {
  const firstId = await page.locator('#log .turn').first().getAttribute('data-turn-id');
  return (await storedChats(page)).find((c) => c.turns.some((t) => t.id === firstId))?.turns ?? [];
}

/** Types a question, presses Enter, and waits for that turn to settle. Returns the turn and its request. */
async function askViaEnter(w: Watched, question: string, opts: { type?: boolean; settle?: 'done' | 'error' } = {}): Promise<{ turn: Locator; request: Request }> {
  const { page } = w;
  const before = await page.locator('#log .turn').count();
  const box = page.locator('#question');
  await box.click();
  if (opts.type) await box.pressSequentially(question);
  else await box.fill(question);
  const requestP = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/ask', WAIT);
  await box.press('Enter');
  const request = await requestP;
  const turn = page.locator('#log .turn').nth(before);
  expect(await turn.locator('.q').textContent(WAIT)).toBe(question);
  await turn.locator(`.a[data-state="${opts.settle ?? 'done'}"]`).waitFor(WAIT);
  return { turn, request };
}

/**
 * A viewport picture with `loc` just below the sticky header (an element screenshot would
 * scroll it under the header).
 */
async function screenshotBelowHeader(page: Page, loc: Locator, file: string): Promise<void> {
  await loc.evaluate((e) => {
    const header = document.querySelector('.site-header')?.getBoundingClientRect().height ?? 0;
    window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - header - 16);
  });
  const box = (await loc.boundingBox())!;
  const viewport = page.viewportSize()!;
  await page.screenshot({ path: file, clip: { x: 0, y: 0, width: viewport.width, height: Math.min(viewport.height, Math.ceil(box.y + box.height + 16)) }, ...SHOT });
}

/** The text of each <mark> in `loc`. */
const marks = (loc: Locator): Promise<string[]> => loc.locator('mark').allTextContents();

/** The slices of a citation's text its quote offsets name. */
const quoted = (c: { text: string; quotes?: ReadonlyArray<{ start: number; end: number }> }): string[] => (c.quotes ?? []).map((q) => c.text.slice(q.start, q.end));

/** Proof that no payload ran and no markup from data became an element. */
async function expectInert(w: Watched): Promise<void> {
  const { page } = w;
  // An onerror handler would fire after the image fails to load; give it a moment to (not) happen.
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(await page.locator('#log script, #log img, #log a, #log b, #log iframe').count()).toBe(0);
  expect(await page.locator('script').count()).toBe(1); // main.js only (it imports the rest)
  expect(await page.locator('img').count()).toBe(0);
  expect(w.requests.filter((u) => new URL(u).pathname === '/x')).toEqual([]);
}

/** Every visible control smaller than 24 × 24 CSS px (WCAG 2.2 target size), by class and size. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.locator('button:visible, summary:visible, textarea:visible').evaluateAll((els) =>
    els.flatMap((e) => {
      const r = e.getBoundingClientRect();
      return r.width < 24 || r.height < 24 ? [`${e.className || e.tagName} ${r.width.toFixed(1)}×${r.height.toFixed(1)}`] : [];
    }),
  );
}

// A missing browser fails every test with this message (a throwing beforeAll would only mark them skipped).
const missingBrowser = existsSync(CHROMIUM)
  ? null
  : `Chromium not found at ${CHROMIUM}; this e2e test needs it. Install it with: apt-get update && apt-get install -y chromium`;

beforeEach(() => {
  if (missingBrowser) throw new Error(missingBrowser);
});

beforeAll(async () => {
  if (missingBrowser) return;
  extraCorpus = tempDir('heihe-e2e-corpus-');
  const base = readFileSync(path.join(PROJECT_ROOT, 'corpus', 'heihe.txt'), 'utf8');
  writeFileSync(path.join(extraCorpus, 'heihe.txt'), `${base.trimEnd()}\n\n${HOSTILE_SECTION}\n\n${HOSTILE_PASSAGE}\n\n${LONG_SECTION}\n\n${LONG_PASSAGE}\n`);

  stub = await startOpenAIStub();
  // The model "answers" with the same payloads, citing whichever passage is the hostile one.
  stub.setFallback((messages) => {
    const prompt = messages.at(-1)?.content ?? '';
    const n = /<passage n="(\d+)"[^>]*>\s*The Heihe Lantern Festival/.exec(prompt)?.[1] ?? '1';
    return textReply(`The Heihe Lantern Festival features carved ice lanterns [${n}]. ${SCRIPT_PAYLOAD} ${IMG_PAYLOAD} ${LINK_PAYLOAD} tickets are sold at the riverbank [${n}].`);
  });

  [browser, srv, extraSrv, llmSrv] = await Promise.all([
    // One launch for the file. A first start on a fresh machine can be slow: wait for it.
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 180_000 }),
    startTestServer(),
    startTestServer({ corpusFrom: extraCorpus }),
    startTestServer({ corpusFrom: extraCorpus, env: { OPENAI_API_KEY: 'sk-e2e-stub', OPENAI_BASE_URL: `${stub.url}/v1`, LLM_MAX_RETRIES: '0' } }),
  ]);
  desktopContext = await newContext();
  // Warm-up: the first page load pays for the renderer's start, fonts and caches, so no test does.
  const warm = await desktopContext.newPage();
  await warm.goto(srv.url + '/', { timeout: 120_000 });
  await warm.locator('#status[data-state="ok"]').waitFor({ timeout: 120_000 });
  await warm.close();
  mkdirSync(TMP_DIR, { recursive: true });
  mkdirSync(DOCS, { recursive: true });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await Promise.all([srv?.close(), extraSrv?.close(), llmSrv?.close(), stub?.close()]);
  if (extraCorpus) rmSync(extraCorpus, { recursive: true, force: true });
});

describe('one conversation', () => {
  let w: Watched;
  let firstAnswerText = '';

  test('the first view speaks plainly, with the technical details behind a toggle', async () => {
    w = await openPage(srv.url);
    const { page } = w;
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await page.locator('#status').textContent()).toBe('Ready');
    expect(await page.locator('#tagline').textContent()).toBe('Works offline · answers quote the Heihe documents');
    // No jargon anywhere a first-time visitor can see.
    const visible = await page.evaluate(() => document.body.innerText);
    expect(visible).not.toMatch(JARGON);
    const details = page.locator('.tech');
    expect(await details.locator('.tech-list').isVisible()).toBe(false);
    await details.locator('summary').click();
    const tech = (await details.locator('.tech-list').innerText()).replace(/\s+/g, ' ');
    const health = (await (await fetch(`${srv.url}/health`)).json()) as { index: { version: string; chunks: number; embedding: { model: string } } };
    expect(tech).toContain(health.index.version);
    expect(tech).toContain(`${health.index.chunks} passages`);
    expect(tech).toContain(health.index.embedding.model);
    expect(tech).toMatch(/extractive/);
    await details.locator('summary').click();
    // The page read its limits from the server, not from a copy of its own.
    const config = (await (await fetch(`${srv.url}/config`)).json()) as { limits: { questionChars: number } };
    expect(w.requests.some((u) => new URL(u).pathname === '/config')).toBe(true);
    expect(await page.locator('#question').getAttribute('maxlength')).toBe(String(config.limits.questionChars));
    expect(w.errors).toEqual([]);
  });

  test('typing a question and pressing Enter streams a cited answer: markers and sources appear as they arrive', async () => {
    const { page } = w;
    await record(page);
    const responseP = page.waitForResponse((r) => new URL(r.url()).pathname === '/ask', WAIT);
    const { turn, request } = await askViaEnter(w, AMUR_Q, { type: true });
    expect(request.postDataJSON()).toMatchObject({ question: AMUR_Q, history: [], stream: true });
    const response = await responseP;
    expect(response.headers()['content-type']).toContain('text/event-stream');

    // Streamed: streaming -> done; text in several pieces, the marker and its source while streaming.
    const a = turn.locator('.a');
    const seen = await history(a);
    expect(seen.states).toEqual(['streaming', 'done']);
    expect(seen.arrived['streaming']?.filter((k) => k === 'text').length).toBeGreaterThan(1);
    expect(seen.arrived['streaming']).toContain('cite');
    expect(seen.arrived['streaming']).toContain('source');
    expect(await a.getAttribute('data-grounded')).toBe('true');
    expect(await page.locator('#empty').isVisible()).toBe(false);
    firstAnswerText = (await a.locator('.a-body').textContent()) ?? '';
    expect(firstAnswerText).toContain('Amur');

    const markers = a.locator('.a-body .cite');
    expect(await markers.count()).toBeGreaterThan(0);
    const marker = markers.first();
    const n = Number(await marker.getAttribute('data-n'));

    // What the server said marker n points at (the final answer, as the page stored it).
    const stored = await shownTurns(page);
    expect(stored).toHaveLength(1);
    const done = stored[0]!;
    expect(done.status).toBe('done');
    const cited = done.answer!.citations.find((c) => c.n === n);
    expect(cited).toBeDefined();
    expect(cited!.text).toContain('Amur');
    expect(quoted(cited!).length).toBeGreaterThan(0);

    await marker.click();
    const pop = a.locator('.cite-pop');
    await pop.waitFor({ state: 'visible', ...WAIT });
    expect(await marker.getAttribute('aria-expanded')).toBe('true');
    expect(await pop.locator('.passage').textContent()).toBe(cited!.text);
    expect(await pop.locator('.section').textContent()).toBe(cited!.section);
    expect(cited!.section).toBe('Geographical Significance');
    // The quoted sentence is marked in the passage: exactly the slices the offsets name.
    expect(await marks(pop.locator('.passage'))).toEqual(quoted(cited!));
    expect(firstAnswerText).toContain(quoted(cited!)[0]!.trim());

    // Sources: exactly the cited numbers, not every retrieved passage; their passages marked too.
    const citedNumbers = [...new Set(await markers.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset['n']))))].sort();
    expect(done.answer!.citations.length).toBeGreaterThanOrEqual(citedNumbers.length);
    expect(await a.locator('.sources li .source-n').allTextContents()).toEqual(citedNumbers.map((k) => `[${k}]`));
    await expect(a.locator('.sources li').first().locator('.source-section').textContent()).resolves.toBe(cited!.section);
    expect(await marks(a.locator('.sources li').first().locator('.source-text'))).toEqual(quoted(cited!));

    // Escape closes the popover.
    await page.keyboard.press('Escape');
    await pop.waitFor({ state: 'detached', ...WAIT });
    expect(w.errors).toEqual([]);
  });

  test('a follow-up sends the conversation as history and gets a grounded answer about winters', async () => {
    const { page } = w;
    const climate = await askViaEnter(w, CLIMATE_Q);
    expect(await climate.turn.locator('.a').getAttribute('data-grounded')).toBe('true');
    expect(await climate.turn.locator('.a-body').textContent()).toMatch(/climate/i);
    const climateAnswer = (await shownTurns(page))[1]?.answer?.answer;
    expect(climateAnswer).toMatch(/climate/i);

    const { turn, request } = await askViaEnter(w, WINTER_Q);
    const body = request.postDataJSON() as { question: string; history: Array<{ role: string; content: string }> };
    expect(body.question).toBe(WINTER_Q);
    expect(body.history.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(body.history[0]?.content).toBe(AMUR_Q);
    expect(body.history[1]?.content).toContain('Amur');
    expect(body.history[2]?.content).toBe(CLIMATE_Q);
    expect(body.history[3]?.content).toBe(climateAnswer);

    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('true');
    expect(await a.locator('.a-body').textContent()).toMatch(/winters/i);
    expect(await a.locator('.a-body .cite').count()).toBeGreaterThan(0);
    expect(await a.locator('.sources .source-section').allTextContents()).toContain('Climate and Environment');
    expect(await page.locator('#log .turn').count()).toBe(3);
    expect(w.errors).toEqual([]);
  });

  test('an out-of-corpus question is a refusal that shows the passages that came closest', async () => {
    const { page } = w;
    const { turn } = await askViaEnter(w, OFF_CORPUS_Q);
    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('false');
    const badge = a.locator('.badge');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toBe('Not in the corpus');
    expect(await a.locator('.cite').count()).toBe(0);
    expect(await a.locator('.sources').count()).toBe(0);

    // Not a dead end: the closest passages, with their sections, to read or rephrase from.
    const refusal = (await shownTurns(page))[3]!.answer!;
    expect(refusal.citations).toEqual([]);
    const related = refusal.related ?? [];
    expect(related.map((c) => c.n)).toEqual([1, 2, 3]);
    const closest = a.locator('.related');
    expect(await closest.locator('.sources-title').textContent()).toBe('These passages came closest:');
    expect(await closest.locator('li .source-section').allTextContents()).toEqual(related.map((c) => c.section));
    const firstItem = closest.locator('li').first();
    expect(await firstItem.locator('.source-text').isVisible()).toBe(false);
    await firstItem.locator('summary').click();
    expect(await firstItem.locator('.source-text').textContent()).toBe(related[0]!.text);
    await firstItem.locator('summary').click();

    // Visibly different from a grounded answer (dashed border, other background).
    const style = (loc: Locator) =>
      loc.evaluate((e) => {
        const s = getComputedStyle(e);
        return { border: s.borderTopStyle, background: s.backgroundColor };
      });
    const grounded = await style(page.locator('#log .turn').first().locator('.a'));
    const ungrounded = await style(a);
    expect(ungrounded.border).toBe('dashed');
    expect(grounded.border).not.toBe('dashed');
    expect(ungrounded.background).not.toBe(grounded.background);

    await screenshotBelowHeader(page, turn, path.join(DOCS, 'refusal.png'));
    expect(w.errors).toEqual([]);
  });

  test('chats live in localStorage: a reload and a new tab keep them; the list reopens and deletes them', async () => {
    const { page } = w;
    const [chat] = await storedChats(page);
    expect(chat?.turns.map((t) => t.question)).toEqual([AMUR_Q, CLIMATE_Q, WINTER_Q, OFF_CORPUS_Q]);
    expect(chat?.title).toBe(AMUR_Q);
    const turns = page.locator('#log .turn');
    const states = () => turns.locator('.a').evaluateAll((as) => as.map((a) => `${a.getAttribute('data-state')}/${a.getAttribute('data-grounded')}`));

    await page.reload();
    await page.locator('#status[data-state="ok"]').waitFor(WAIT);
    expect(await turns.locator('.q').allTextContents()).toEqual([AMUR_Q, CLIMATE_Q, WINTER_Q, OFF_CORPUS_Q]);
    expect(await states()).toEqual(['done/true', 'done/true', 'done/true', 'done/false']);
    expect(await turns.first().locator('.a-body').textContent()).toBe(firstAnswerText);
    expect(await page.locator('#empty').isVisible()).toBe(false);
    // Restored markers still work, quote marked.
    const first = turns.first().locator('.a');
    await first.locator('.cite').first().click();
    expect(await first.locator('.cite-pop .passage').textContent()).toContain('Amur');
    expect((await marks(first.locator('.cite-pop'))).length).toBeGreaterThan(0);
    await page.keyboard.press('Escape');

    // A new tab (sessionStorage starts empty there) opens the most recent chat.
    const tab = await openPage(srv.url);
    expect(await tab.page.locator('#log .turn .q').allTextContents()).toEqual([AMUR_Q, CLIMATE_Q, WINTER_Q, OFF_CORPUS_Q]);
    await tab.page.close();

    // "New chat" starts an empty one; the old one waits in the list.
    await page.locator('#new-chat').click();
    expect(await turns.count()).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('question');
    const toggle = page.locator('#chats-toggle');
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const items = page.locator('#chat-list .chat-item');
    expect(await items.count()).toBe(1);
    expect(await items.first().locator('.chat-title').textContent()).toBe(AMUR_Q);
    expect(await items.first().locator('.chat-meta').textContent()).toMatch(/^4 questions · /);

    // Reopen it from the list, ask one more, then start another chat: two in the list, newest first.
    await items.first().locator('.chat-open').click();
    expect(await page.locator('#chats-panel').isHidden()).toBe(true);
    expect(await turns.count()).toBe(4);
    await page.locator('#new-chat').click();
    await askViaEnter(w, CLIMATE_Q);
    await toggle.click();
    expect(await items.locator('.chat-title').allTextContents()).toEqual([CLIMATE_Q, AMUR_Q]);
    expect(await items.first().locator('.chat-open').getAttribute('aria-current')).toBe('true');

    // Delete the first chat (not the one shown): gone from the list and from storage, across reloads.
    await items.nth(1).locator('.chat-delete').click();
    expect(await items.locator('.chat-title').allTextContents()).toEqual([CLIMATE_Q]);
    expect((await storedChats(page)).map((c) => c.title)).toEqual([CLIMATE_Q]);
    expect(await turns.count()).toBe(1);
    // Delete the one shown: the page starts a new, empty chat.
    await page.locator('#chat-list .chat-delete').first().click();
    expect(await page.locator('#chat-list .chat-item').count()).toBe(0);
    expect(await page.locator('#chat-list').textContent()).toContain('No past chats yet');
    expect(await turns.count()).toBe(0);
    expect(await storedChats(page)).toEqual([]);
    await page.reload();
    await page.locator('#status[data-state="ok"]').waitFor(WAIT);
    expect(await turns.count()).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(w.errors).toEqual([]);
  });

  test('Shift+Enter inserts a newline instead of sending', async () => {
    const { page } = w;
    const asksBefore = w.asks.length;
    const box = page.locator('#question');
    await box.click();
    await box.pressSequentially('Where?');
    await box.press('Shift+Enter');
    await box.pressSequentially('And why?');
    expect(await box.inputValue()).toBe('Where?\nAnd why?');
    await page.waitForTimeout(200);
    expect(w.asks.length).toBe(asksBefore);
    expect(await page.locator('#log .turn').count()).toBe(0);
    await box.fill('');
    expect(w.errors).toEqual([]);
  });
});

test('feedback: thumbs down with a note reaches FEEDBACK_DIR as one JSON line, and the page remembers it', async () => {
  const context = await newContext();
  const w = await openPage(srv.url, context);
  const { page } = w;
  const { turn } = await askViaEnter(w, AMUR_Q);
  const [stored] = await shownTurns(page);
  const answer = stored!.answer!;

  const control = turn.locator('.feedback');
  expect(await control.locator('.feedback-prompt').textContent()).toBe('Was this helpful?');
  const down = control.getByRole('button', { name: 'Not helpful' });
  expect(await down.getAttribute('aria-pressed')).toBe('false');
  await down.click();
  expect(await down.getAttribute('aria-pressed')).toBe('true');
  const note = control.locator('textarea');
  expect(await page.evaluate(() => document.activeElement?.className)).toBe('feedback-note');
  expect(await note.getAttribute('maxlength')).toBe('2000');
  await note.fill('It should say the Amur is called Heilongjiang in Chinese.');
  await screenshotBelowHeader(page, turn, path.join(DOCS, 'feedback.png'));

  const posted = page.waitForResponse((r) => new URL(r.url()).pathname === '/feedback', WAIT);
  await control.getByRole('button', { name: 'Send feedback' }).click();
  const res = await posted;
  expect(res.status()).toBe(201);
  const sent = res.request().postDataJSON() as Record<string, unknown>;
  const cited = answer.citations.filter((c) => answer.answer.includes(`[${c.n}]`)).map((c) => c.chunkId);
  expect(sent).toEqual({ question: answer.question, answer: answer.answer, indexVersion: answer.indexVersion, chunkIds: cited, verdict: 'down', note: 'It should say the Amur is called Heilongjiang in Chinese.' });
  await control.locator('.feedback-prompt', { hasText: 'Thanks for your feedback.' }).waitFor(WAIT);
  expect(await down.isDisabled()).toBe(true);

  // Stored by the server as one record under FEEDBACK_DIR.
  const files = readdirSync(srv.config.feedbackDir);
  const lines = files.flatMap((f) => readFileSync(path.join(srv.config.feedbackDir, f), 'utf8').trimEnd().split('\n')).map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = lines.filter((l) => l['note'] === sent['note']);
  expect(mine).toHaveLength(1);
  expect(mine[0]).toMatchObject(sent);

  // Remembered: after a reload the answer still says thanks and cannot be voted twice.
  expect((await shownTurns(page))[0]?.feedback).toMatchObject({ verdict: 'down', note: sent['note'] });
  await page.reload();
  const again = page.locator('#log .turn').first().locator('.feedback');
  await again.locator('.feedback-prompt', { hasText: 'Thanks for your feedback.' }).waitFor(WAIT);
  expect(await again.getByRole('button', { name: 'Not helpful' }).getAttribute('aria-pressed')).toBe('true');
  expect(await again.getByRole('button', { name: 'Helpful', exact: true }).isDisabled()).toBe(true);
  expect(w.errors).toEqual([]);
});

test('a failing /ask shows the error message and a Retry button that works', async () => {
  const w = await openPage(srv.url, await newContext());
  const { page } = w;
  await page.route('**/ask', (route) =>
    route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } }),
    }),
  );
  const { turn } = await askViaEnter(w, AMUR_Q, { settle: 'error' });
  const a = turn.locator('.a');
  expect(await a.locator('.error').textContent()).toBe('Something went wrong on our side.');
  const retry = a.locator('.retry');
  expect(await retry.isVisible()).toBe(true);
  expect(await page.locator('#send').isVisible()).toBe(true);
  expect(await page.locator('#stop').isHidden()).toBe(true);

  // The server recovers: Retry re-asks the same question in place.
  await page.unroute('**/ask');
  await retry.click();
  await turn.locator('.a[data-state="done"]').waitFor(WAIT);
  expect(await a.locator('.error').count()).toBe(0);
  expect(await a.locator('.a-body').textContent()).toContain('Amur');
  expect(await page.locator('#log .turn').count()).toBe(1);
  expect(w.asks).toHaveLength(2);

  // The only console error is the browser reporting the 500 we staged.
  expect(w.errors.filter((e) => !/Failed to load resource: the server responded with a status of 500/.test(e))).toEqual([]);
  expect(w.errors.length).toBeLessThanOrEqual(1);
});

test('while an answer is on its way, Stop takes the place of Send without narrowing the text box, and stops it', async () => {
  const w = await openPage(srv.url, await newContext());
  const { page } = w;
  const box = page.locator('#question');
  const widthBefore = (await box.boundingBox())!.width;
  // Hold the request in flight, so the page stays busy for as long as the test looks.
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/ask', async (route: Route) => {
    await held;
    await route.continue().catch(() => {}); // the page may have given up on it (Stop)
  });
  await box.fill(AMUR_Q);
  await box.press('Enter');
  const stop = page.locator('#stop');
  await stop.waitFor({ state: 'visible', ...WAIT });
  expect(await page.locator('#send').isHidden()).toBe(true);
  expect((await box.boundingBox())!.width).toBe(widthBefore);
  expect(await page.locator('#log .a').getAttribute('data-state')).toBe('streaming');

  await stop.click();
  await page.locator('#log .a[data-state="error"]').waitFor(WAIT);
  expect(await page.locator('#log .error').textContent()).toBe('Stopped. The answer was not finished.');
  expect(await page.locator('#send').isVisible()).toBe(true);
  expect((await box.boundingBox())!.width).toBe(widthBefore);
  release();
  await page.unroute('**/ask');
  // Retry asks again and answers.
  await page.locator('#log .retry').click();
  await page.locator('#log .a[data-state="done"]').waitFor(WAIT);
  expect(await page.locator('#log .a-body').textContent()).toContain('Amur');
  expect(w.errors).toEqual([]);
});

test('the status pill follows the server going away and coming back, without a reload', async () => {
  const w = await openPage(srv.url, await newContext());
  const { page } = w;
  const pill = page.locator('#status');
  expect(await pill.textContent()).toBe('Ready');
  const { port } = srv.server.address() as AddressInfo;

  // A real outage: the server stops listening and drops its connections.
  await new Promise<void>((resolve) => {
    srv.server.close(() => resolve());
    srv.server.closeAllConnections();
  });
  let listening = false;
  const relisten = () =>
    new Promise<void>((resolve, reject) => {
      srv.server.once('error', reject);
      srv.server.listen(port, '127.0.0.1', () => {
        listening = true;
        resolve();
      });
    });
  try {
    // Asking now fails as a network error, and the pill says so at once.
    const { turn } = await askViaEnter(w, AMUR_Q, { settle: 'error' });
    expect(await turn.locator('.error').textContent()).toBe('Could not reach the server. Check your connection and try again.');
    await page.locator('#status[data-state="down"]').waitFor(WAIT);
    expect(await pill.textContent()).toBe('Server unreachable');

    // Back: the pill turns green on its own (the page keeps checking while the server is away).
    await relisten();
    await page.locator('#status[data-state="ok"]').waitFor(WAIT);
    expect(await pill.textContent()).toBe('Ready');
    await turn.locator('.retry').click();
    await turn.locator('.a[data-state="done"]').waitFor(WAIT);
  } finally {
    if (!listening) await relisten();
  }
  // The only console errors are the browser reporting the refused connections.
  expect(w.errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).toEqual([]);
});

test('a long passage: the popover scrolls its quote into view and says the passage runs on (desktop and phone)', async () => {
  for (const device of [{}, PHONE]) {
    const w = await openPage(extraSrv.url, await newContext(device));
    const { page } = w;
    const { turn } = await askViaEnter(w, WORKSHOP_Q);
    const answer = (await shownTurns(page))[0]!.answer!;
    const cite = turn.locator('.a-body .cite').first();
    const n = Number(await cite.getAttribute('data-n'));
    const citation = answer.citations.find((c) => c.n === n)!;
    expect(citation.section).toBe(LONG_SECTION);
    expect(citation.text).toBe(LONG_PASSAGE);
    // The quoted sentences sit in the last third of the passage.
    expect(citation.quotes![0]!.start).toBeGreaterThan(LONG_PASSAGE.length * 0.6);

    if (device === PHONE) await cite.tap();
    else await cite.click();
    const pop = turn.locator('.cite-pop');
    await pop.waitFor({ state: 'visible', ...WAIT });
    expect(await marks(pop)).toEqual(quoted(citation));
    const geometry = await pop.evaluate((p) => {
      const mark = p.querySelector('mark')!.getBoundingClientRect();
      const box = p.getBoundingClientRect();
      return { scrollTop: p.scrollTop, overflows: p.scrollHeight > p.clientHeight, markTop: mark.top, markBottom: mark.bottom, top: box.top, bottom: box.bottom, overflow: p.dataset['overflow'], atEnd: p.dataset['atEnd'] };
    });
    expect(geometry.overflows).toBe(true);
    expect(geometry.overflow).toBe('true');
    // Scrolled inside the popover so the quote is in view.
    expect(geometry.scrollTop).toBeGreaterThan(0);
    expect(geometry.markTop).toBeGreaterThanOrEqual(geometry.top);
    expect(geometry.markTop).toBeLessThan(geometry.bottom);
    await page.screenshot({ path: path.join(TMP_DIR, `long-passage-${device === PHONE ? 'phone' : 'desktop'}.png`), ...SHOT });
    // The foot says there is more, until the reader scrolls to the end.
    const more = pop.locator('.pop-more');
    if (geometry.atEnd === 'true') {
      expect(await more.isVisible()).toBe(false);
    } else {
      expect(await more.isVisible()).toBe(true);
      await pop.evaluate((p) => p.scrollTo({ top: p.scrollHeight }));
      await turn.locator('.cite-pop[data-at-end="true"]').waitFor(WAIT);
      expect(await more.isVisible()).toBe(false);
    }
    await pop.evaluate((p) => p.scrollTo({ top: 0 }));
    await turn.locator('.cite-pop[data-at-end="false"]').waitFor(WAIT);
    expect(await more.isVisible()).toBe(true);
    expect(w.errors).toEqual([]);
  }
});

describe('hostile text is shown, never run', () => {
  test('extractive: a passage with <script>, <img onerror> and a javascript: link is inert', async () => {
    const w = await openPage(extraSrv.url, await newContext());
    const { page } = w;
    const res = await page.request.get(extraSrv.url + '/');
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp).toMatch(/(^|;)\s*script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');

    const { turn } = await askViaEnter(w, LANTERN_Q);
    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('true');
    // The answer quotes the hostile sentence; the popover and sources below show all of it.
    expect(await a.locator('.a-body').textContent()).toContain(SCRIPT_PAYLOAD);
    expect(await a.locator('.a-body').evaluate((e) => e.innerHTML)).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');

    await a.locator('.a-body .cite').first().click();
    const pop = a.locator('.cite-pop');
    expect(await pop.locator('.passage').textContent()).toBe(HOSTILE_PASSAGE);
    expect(await pop.locator('.section').textContent()).toBe(HOSTILE_SECTION);
    expect((await marks(pop)).join(' ')).toContain(SCRIPT_PAYLOAD);
    expect(await a.locator('.sources .source-text').first().textContent()).toBe(HOSTILE_PASSAGE);

    // Stored and restored from localStorage: still text.
    await page.reload();
    await page.locator('#log .turn .a[data-state="done"]').waitFor(WAIT);
    expect(await page.locator('#log .a-body').first().textContent()).toContain(SCRIPT_PAYLOAD);
    await page.locator('#log .cite').first().click();
    expect(await page.locator('#log .cite-pop .passage').textContent()).toBe(HOSTILE_PASSAGE);

    await expectInert(w);
    expect(w.errors).toEqual([]);
  });

  test('LLM mode: a model reply carrying the same payloads is inert too', async () => {
    const chatCallsBefore = stub.chatRequests().length;
    const w = await openPage(llmSrv.url, await newContext());
    const { page } = w;
    expect(await page.locator('#tagline').textContent()).toMatch(/language model/);
    expect(await page.locator('.tech-list').textContent()).toMatch(/llm/);
    const res = await page.request.get(llmSrv.url + '/');
    expect(res.headers()['content-security-policy']).toMatch(/script-src 'self'/);

    const { turn } = await askViaEnter(w, LANTERN_Q);
    expect(stub.chatRequests().length).toBeGreaterThan(chatCallsBefore);
    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('true');
    expect(await a.locator('.meta').textContent()).toBe('Written by a language model');
    const text = (await a.locator('.a-body').textContent()) ?? '';
    expect(text).toContain('Lantern Festival');
    // Whatever of the payload survives the server's checks arrives as text, never as markup.
    expect(text).not.toMatch(/javascript:/i);

    await a.locator('.a-body .cite').first().click();
    expect(await a.locator('.cite-pop .passage').textContent()).toBe(HOSTILE_PASSAGE);
    expect(await a.locator('.cite-pop .section').textContent()).toBe(HOSTILE_SECTION);
    // LLM answers carry no quote offsets: nothing is marked.
    expect(await marks(a.locator('.cite-pop'))).toEqual([]);

    await expectInert(w);
    expect(w.errors).toEqual([]);
  });
});

test('layout on a phone and a long chat: sticky header, tagline shown, tap targets of 24 px, no sideways scroll', async () => {
  const w = await openPage(srv.url, await newContext(PHONE));
  const { page } = w;
  expect(await page.locator('#tagline').isVisible()).toBe(true);
  for (const q of [AMUR_Q, CLIMATE_Q, OFF_CORPUS_Q]) await askViaEnter(w, q);
  // The page now scrolls; at its foot the header is still on screen and "New chat" can be tapped.
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(300);
  const header = (await page.locator('.site-header').boundingBox())!;
  expect(header.y).toBe(0);
  const newChat = (await page.locator('#new-chat').boundingBox())!;
  expect(await page.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.id, [newChat.x + newChat.width / 2, newChat.y + newChat.height / 2])).toBe('new-chat');

  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  // Every control on the page, popover and feedback form open, is at least 24 × 24.
  const first = page.locator('#log .turn').first();
  await first.scrollIntoViewIfNeeded();
  await first.getByRole('button', { name: 'Helpful', exact: true }).tap();
  await first.locator('.a-body .cite').first().tap();
  await first.locator('.cite-pop').waitFor({ state: 'visible', ...WAIT });
  expect(await smallTargets(page)).toEqual([]);
  const cite = (await first.locator('.a-body .cite').first().boundingBox())!;
  expect(Math.min(cite.width, cite.height)).toBeGreaterThanOrEqual(24);
  expect(w.errors).toEqual([]);
});

test('screenshots: the README picture, and the highlighted quote on desktop and phone', async () => {
  const desktop = await openPage(srv.url, await newContext());
  const { page } = desktop;
  const first = await askViaEnter(desktop, AMUR_Q);
  await askViaEnter(desktop, CLIMATE_Q);
  // The README picture: header, the first answer with its popover open (by hover, so the source
  // is not highlighted under it), the next question below.
  await page.evaluate(() => window.scrollTo(0, 0));
  await first.turn.locator('.a-body .cite').first().hover();
  const pop = first.turn.locator('.cite-pop');
  await pop.waitFor({ state: 'visible', ...WAIT });
  const box = await pop.boundingBox();
  expect(box).not.toBeNull();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(800);
  expect((await marks(pop)).length).toBeGreaterThan(0);
  await page.screenshot({ path: path.join(DOCS, 'screenshot.png'), ...SHOT });
  await page.screenshot({ path: path.join(DOCS, 'quote-desktop.png'), clip: { x: 0, y: 0, width: 1280, height: Math.min(800, Math.ceil(box!.y + box!.height + 24)) }, ...SHOT });
  expect(desktop.errors).toEqual([]);

  // Phone: the same chat, copied into its localStorage and opened from the list of chats; the
  // popover becomes a sheet.
  const saved = await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY);
  expect(saved).not.toBeNull();
  const phoneContext = await newContext(PHONE);
  const phone = await openPage(srv.url, phoneContext);
  await phone.page.evaluate(([k, v]) => localStorage.setItem(k, v), [STORAGE_KEY, saved!] as const);
  await phone.page.locator('#chats-toggle').tap();
  await phone.page.locator('#chat-list .chat-open').first().tap();
  const turns = phone.page.locator('#log .turn');
  await turns.nth(1).locator('.a[data-state="done"]').waitFor(WAIT);
  expect(await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await phone.page.screenshot({ path: path.join(TMP_DIR, 'phone-chat.png'), ...SHOT });
  await turns.nth(0).locator('.a-body .cite').first().scrollIntoViewIfNeeded();
  await turns.nth(0).locator('.a-body .cite').first().tap();
  const sheet = turns.nth(0).locator('.cite-pop');
  await sheet.waitFor({ state: 'visible', ...WAIT });
  const sheetBox = await sheet.boundingBox();
  expect(sheetBox).not.toBeNull();
  expect(sheetBox!.x).toBeGreaterThanOrEqual(0);
  expect(sheetBox!.x + sheetBox!.width).toBeLessThanOrEqual(390);
  expect(sheetBox!.y + sheetBox!.height).toBeLessThanOrEqual(844);
  expect((await marks(sheet)).length).toBeGreaterThan(0);
  await phone.page.screenshot({ path: path.join(DOCS, 'quote-phone.png'), ...SHOT });
  expect(phone.errors).toEqual([]);
});
