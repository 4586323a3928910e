/**
 * End-to-end test of the chat page in a real browser (Debian's /usr/bin/chromium driven by
 * playwright-core) against the real server (startTestServer: real runtime, real index, real
 * Express on loopback). Offline extractive mode, except one XSS check that runs LLM mode against
 * the local OpenAI stub.
 *
 * The first four tests share one page on purpose: they are one conversation (ask, follow up,
 * ask something off-corpus, reload, start over). The rest use fresh tabs (sessionStorage is
 * per tab); the phone screenshot gets its own context.
 *
 * Chromium missing is a failure, not a skip: install it with
 *   apt-get update && apt-get install -y chromium
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Locator, type Page, type Request } from 'playwright-core';
import { PROJECT_ROOT, startTestServer, tempDir, type TestServer } from '../helpers/test-server.js';
import { startOpenAIStub, textReply, type OpenAIStub } from '../helpers/openai-stub.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STORAGE_KEY = 'heihe-chat-v1';
const TMP_DIR = path.join(PROJECT_ROOT, 'tests', '.tmp');
const WAIT = { timeout: 15_000 };

const AMUR_Q = 'Which river forms the natural boundary between China and Russia?';
const CLIMATE_Q = 'What kind of climate does Heihe have?';
const WINTER_Q = 'What about the winters there?';
const OFF_CORPUS_Q = 'How do I bake sourdough bread?';
const LANTERN_Q = 'What does the Heihe Lantern Festival feature?';

// A hostile passage: markup and a javascript: link that must be shown as text, never run.
const SCRIPT_PAYLOAD = '<script>window.__pwned=1</script>';
const IMG_PAYLOAD = '<img src=x onerror="window.__pwned=2">';
const LINK_PAYLOAD = '[click](javascript:window.__pwned=3)';
const HOSTILE_SECTION = 'Lantern Festival <b>Night</b>';
const HOSTILE_PASSAGE =
  `The Heihe Lantern Festival features carved ice lanterns along the riverbank every January ${SCRIPT_PAYLOAD} ` +
  `and a parade of paper dragons ${IMG_PAYLOAD} with a ${LINK_PAYLOAD} link for tickets.`;

let browser: Browser;
let srv: TestServer; // project corpus, extractive
let xssSrv: TestServer; // hostile corpus, extractive
let llmSrv: TestServer; // hostile corpus, LLM mode against the stub
let stub: OpenAIStub;
let hostileCorpus: string;
let desktopContext: BrowserContext;
const contexts: BrowserContext[] = [];
const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 }, colorScheme: 'light', reducedMotion: 'reduce' };

interface Watched {
  page: Page;
  /** Console errors and uncaught page errors. */
  errors: string[];
  /** Every request URL the page made. */
  requests: string[];
  /** POST /ask requests, in order. */
  asks: Request[];
}

/**
 * Opens `/` in a new tab. Tabs share the desktop context unless `opts` asks for another device;
 * sessionStorage is per tab, so every tab starts with an empty conversation either way.
 */
async function openPage(baseUrl: string, opts?: BrowserContextOptions): Promise<Watched> {
  let context = desktopContext;
  if (opts) {
    context = await browser.newContext({ ...DESKTOP, ...opts });
    contexts.push(context);
  }
  const page = await context.newPage();
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
  /** data-state values each `.a` went through (oldValue of every change). */
  states: Map<Element, string[]>;
  /** Text nodes appended to an answer body while it was on the page, i.e. streamed deltas. */
  deltaNodes: number;
}

/** Records every data-state value each `.a` goes through and counts streamed text, so a fast stream is still observed. */
async function record(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __e2e?: Recorder };
    if (w.__e2e) return;
    const rec: Recorder = { states: new Map(), deltaNodes: 0 };
    w.__e2e = rec;
    new MutationObserver((records) => {
      for (const r of records) {
        if (!(r.target instanceof Element)) continue;
        if (r.type === 'attributes' && r.target.classList.contains('a')) {
          const list = rec.states.get(r.target) ?? [];
          // oldValue is exact for each change even when the callback runs after several of them.
          if (r.oldValue !== null && list.at(-1) !== r.oldValue) list.push(r.oldValue);
          rec.states.set(r.target, list);
        } else if (r.type === 'childList' && r.target.classList.contains('a-body')) {
          // The final rendering builds its body off-page, so only streamed deltas are seen here.
          rec.deltaNodes += Array.from(r.addedNodes).filter((n) => n.nodeType === Node.TEXT_NODE).length;
        }
      }
    }).observe(document.getElementById('log')!, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  });
}

async function statesOf(answer: Locator): Promise<string[]> {
  return answer.evaluate((a) => {
    const w = window as unknown as { __e2e?: Recorder };
    const seen = [...(w.__e2e?.states.get(a) ?? [])];
    const now = a.getAttribute('data-state');
    if (now !== null && seen.at(-1) !== now) seen.push(now);
    return seen;
  });
}

async function deltaNodes(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __e2e?: Recorder }).__e2e?.deltaNodes ?? 0);
}

interface StoredTurn {
  id: string;
  question: string;
  status: string;
  answer?: { answer: string; grounded: boolean; citations: Array<{ n: number; section: string; text: string }> };
}

async function storedTurns(page: Page): Promise<StoredTurn[]> {
  return JSON.parse((await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY)) ?? '[]') as StoredTurn[];
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

/** Proof that no payload ran and no markup from data became an element. */
async function expectInert(w: Watched): Promise<void> {
  const { page } = w;
  // An onerror handler would fire after the image fails to load; give it a moment to (not) happen.
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
  expect(await page.locator('#log script, #log img, #log a, #log b, #log iframe').count()).toBe(0);
  expect(await page.locator('script').count()).toBe(1); // app.js only
  expect(await page.locator('img').count()).toBe(0);
  expect(w.requests.filter((u) => new URL(u).pathname === '/x')).toEqual([]);
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
  hostileCorpus = tempDir('heihe-e2e-corpus-');
  const base = readFileSync(path.join(PROJECT_ROOT, 'corpus', 'heihe.txt'), 'utf8');
  writeFileSync(path.join(hostileCorpus, 'heihe.txt'), `${base.trimEnd()}\n\n${HOSTILE_SECTION}\n\n${HOSTILE_PASSAGE}\n`);

  stub = await startOpenAIStub();
  // The model "answers" with the same payloads, citing whichever passage is the hostile one.
  stub.setFallback((messages) => {
    const prompt = messages.at(-1)?.content ?? '';
    const n = /<passage n="(\d+)"[^>]*>\s*The Heihe Lantern Festival/.exec(prompt)?.[1] ?? '1';
    return textReply(`The Heihe Lantern Festival features carved ice lanterns [${n}]. ${SCRIPT_PAYLOAD} ${IMG_PAYLOAD} ${LINK_PAYLOAD} tickets are sold at the riverbank [${n}].`);
  });

  [browser, srv, xssSrv, llmSrv] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
    startTestServer(),
    startTestServer({ corpusFrom: hostileCorpus }),
    startTestServer({ corpusFrom: hostileCorpus, env: { OPENAI_API_KEY: 'sk-e2e-stub', OPENAI_BASE_URL: `${stub.url}/v1`, LLM_MAX_RETRIES: '0' } }),
  ]);
  desktopContext = await browser.newContext(DESKTOP);
  contexts.push(desktopContext);
  mkdirSync(TMP_DIR, { recursive: true });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await Promise.all([srv?.close(), xssSrv?.close(), llmSrv?.close(), stub?.close()]);
  if (hostileCorpus) rmSync(hostileCorpus, { recursive: true, force: true });
});

describe('one conversation', () => {
  let w: Watched;
  let firstAnswerText = '';

  test('typing a question and pressing Enter streams a cited answer; the marker opens its passage', async () => {
    w = await openPage(srv.url);
    const { page } = w;
    await expect(page.locator('#empty').isVisible()).resolves.toBe(true);
    await record(page);

    const responseP = page.waitForResponse((r) => new URL(r.url()).pathname === '/ask', WAIT);
    const { turn, request } = await askViaEnter(w, AMUR_Q, { type: true });
    expect(request.postDataJSON()).toMatchObject({ question: AMUR_Q, history: [], stream: true });
    const response = await responseP;
    expect(response.headers()['content-type']).toContain('text/event-stream');

    // Streamed: the answer went streaming -> done, and its text arrived in several pieces.
    const a = turn.locator('.a');
    expect(await statesOf(a)).toEqual(['streaming', 'done']);
    expect(await deltaNodes(page)).toBeGreaterThan(1);
    expect(await a.getAttribute('data-grounded')).toBe('true');
    expect(await page.locator('#empty').isVisible()).toBe(false);
    firstAnswerText = (await a.locator('.a-body').textContent()) ?? '';
    expect(firstAnswerText).toContain('Amur');

    const markers = a.locator('.a-body .cite');
    expect(await markers.count()).toBeGreaterThan(0);
    const marker = markers.first();
    const n = Number(await marker.getAttribute('data-n'));

    // What the server said marker n points at (the final answer, as the page stored it).
    const stored = await storedTurns(page);
    expect(stored).toHaveLength(1);
    const done = stored[0]!;
    expect(done.status).toBe('done');
    const cited = done.answer!.citations.find((c) => c.n === n);
    expect(cited).toBeDefined();
    expect(cited!.text).toContain('Amur');

    await marker.click();
    const pop = a.locator('.cite-pop');
    await pop.waitFor({ state: 'visible', ...WAIT });
    expect(await marker.getAttribute('aria-expanded')).toBe('true');
    expect(await pop.locator('.passage').textContent()).toBe(cited!.text);
    expect(await pop.locator('.section').textContent()).toBe(cited!.section);
    expect(cited!.section).toBe('Geographical Significance');

    // Sources: exactly the cited numbers, not every retrieved passage.
    const citedNumbers = [...new Set(await markers.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset['n']))))].sort();
    expect(done.answer!.citations.length).toBeGreaterThanOrEqual(citedNumbers.length);
    const sourceNs = await a.locator('.sources li .source-n').allTextContents();
    expect(sourceNs).toEqual(citedNumbers.map((k) => `[${k}]`));
    await expect(a.locator('.sources li').first().locator('.source-section').textContent()).resolves.toBe(cited!.section);

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
    const climateAnswer = (await storedTurns(page))[1]?.answer?.answer;
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

  test('an out-of-corpus question is marked "Not in the corpus" and looks different', async () => {
    const { page } = w;
    const { turn } = await askViaEnter(w, OFF_CORPUS_Q);
    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('false');
    const badge = a.locator('.badge');
    expect(await badge.isVisible()).toBe(true);
    expect(await badge.textContent()).toBe('Not in the corpus');
    expect(await a.locator('.cite').count()).toBe(0);
    expect(await a.locator('.sources').count()).toBe(0);

    // Visibly different from a grounded answer (dashed border, other background).
    const style = (loc: Locator) => loc.evaluate((e) => {
      const s = getComputedStyle(e);
      return { border: s.borderTopStyle, background: s.backgroundColor };
    });
    const grounded = await style(page.locator('#log .turn').first().locator('.a'));
    const ungrounded = await style(a);
    expect(ungrounded.border).toBe('dashed');
    expect(grounded.border).not.toBe('dashed');
    expect(ungrounded.background).not.toBe(grounded.background);
    expect(w.errors).toEqual([]);
  });

  test('a reload keeps every turn; "New chat" clears them, also across reloads', async () => {
    const { page } = w;
    expect(await storedTurns(page)).toHaveLength(4);

    await page.reload();
    await page.locator('#status[data-state="ok"]').waitFor(WAIT);
    const turns = page.locator('#log .turn');
    expect(await turns.count()).toBe(4);
    expect(await turns.locator('.q').allTextContents()).toEqual([AMUR_Q, CLIMATE_Q, WINTER_Q, OFF_CORPUS_Q]);
    expect(await turns.locator('.a').evaluateAll((as) => as.map((a) => `${a.getAttribute('data-state')}/${a.getAttribute('data-grounded')}`)))
      .toEqual(['done/true', 'done/true', 'done/true', 'done/false']);
    expect(await turns.first().locator('.a-body').textContent()).toBe(firstAnswerText);
    expect(await page.locator('#empty').isVisible()).toBe(false);

    // Restored markers still work.
    const first = turns.first().locator('.a');
    await first.locator('.cite').first().click();
    expect(await first.locator('.cite-pop .passage').textContent()).toContain('Amur');

    await page.locator('#new-chat').click();
    expect(await turns.count()).toBe(0);
    expect(await page.locator('#empty').isVisible()).toBe(true);
    expect(await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY)).toBe('[]');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('question');

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

test('a failing /ask shows the error message and a Retry button that works', async () => {
  const w = await openPage(srv.url);
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
  expect(await page.locator('#send').isDisabled()).toBe(false);
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

describe('hostile text is shown, never run', () => {
  test('extractive: a passage with <script>, <img onerror> and a javascript: link is inert', async () => {
    const w = await openPage(xssSrv.url);
    const { page } = w;
    const res = await page.request.get(xssSrv.url + '/');
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
    expect(await a.locator('.sources .source-text').first().textContent()).toBe(HOSTILE_PASSAGE);

    // Stored and restored from sessionStorage: still text.
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
    const w = await openPage(llmSrv.url);
    const { page } = w;
    expect(await page.locator('#status').textContent()).toMatch(/^llm/);
    const res = await page.request.get(llmSrv.url + '/');
    expect(res.headers()['content-security-policy']).toMatch(/script-src 'self'/);

    const { turn } = await askViaEnter(w, LANTERN_Q);
    expect(stub.chatRequests().length).toBeGreaterThan(chatCallsBefore);
    const a = turn.locator('.a');
    expect(await a.getAttribute('data-grounded')).toBe('true');
    expect(await a.locator('.meta').textContent()).toContain('LLM answer');
    const text = (await a.locator('.a-body').textContent()) ?? '';
    expect(text).toContain('Lantern Festival');
    // Whatever of the payload survives the server's checks arrives as text, never as markup.
    expect(text).not.toMatch(/javascript:/i);

    await a.locator('.a-body .cite').first().click();
    expect(await a.locator('.cite-pop .passage').textContent()).toBe(HOSTILE_PASSAGE);
    expect(await a.locator('.cite-pop .section').textContent()).toBe(HOSTILE_SECTION);

    await expectInert(w);
    expect(w.errors).toEqual([]);
  });
});

test('screenshots: desktop (docs/screenshot.png) and phone width, with an open citation popover', async () => {
  const desktop = await openPage(srv.url);
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
  mkdirSync(path.join(PROJECT_ROOT, 'docs'), { recursive: true });
  await page.screenshot({ path: path.join(PROJECT_ROOT, 'docs', 'screenshot.png'), animations: 'disabled', caret: 'hide' });
  expect(desktop.errors).toEqual([]);

  // Phone width: the same conversation, restored from sessionStorage; the popover becomes a sheet.
  const saved = await page.evaluate((k) => sessionStorage.getItem(k), STORAGE_KEY);
  const phone = await openPage(srv.url, { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  expect(saved).not.toBeNull();
  await phone.page.evaluate(([k, v]) => sessionStorage.setItem(k, v), [STORAGE_KEY, saved!] as const);
  await phone.page.reload();
  const turns = phone.page.locator('#log .turn');
  await turns.nth(1).locator('.a[data-state="done"]').waitFor(WAIT);
  const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBe(0);
  await phone.page.screenshot({ path: path.join(TMP_DIR, 'phone-chat.png'), animations: 'disabled', caret: 'hide' });
  await turns.nth(1).locator('.a-body .cite').first().tap();
  const sheet = turns.nth(1).locator('.cite-pop');
  await sheet.waitFor({ state: 'visible', ...WAIT });
  const sheetBox = await sheet.boundingBox();
  expect(sheetBox).not.toBeNull();
  expect(sheetBox!.x).toBeGreaterThanOrEqual(0);
  expect(sheetBox!.x + sheetBox!.width).toBeLessThanOrEqual(390);
  expect(sheetBox!.y + sheetBox!.height).toBeLessThanOrEqual(844);
  await phone.page.screenshot({ path: path.join(TMP_DIR, 'phone.png'), animations: 'disabled', caret: 'hide' });
  expect(phone.errors).toEqual([]);
});
