/**
 * Fuzz: 1,000 malformed or hostile requests, generated from a seeded PRNG (FUZZ_SEED to
 * reproduce another run), mostly POST /ask bodies, some /search query strings and /reindex
 * calls. Every case is classified when generated: `invalid` ones must get a 4xx JSON
 * `{error:{code,message}}`; `odd` ones are valid but strange (escaped control characters,
 * duplicate keys whose last value is valid, a body just under the limit) and may get 200.
 * None may get a 5xx, hang, or leak a stack trace or path; the server is alive afterwards and
 * Object.prototype is untouched.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { isErrorBody, leaks, prng } from './lib.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261129);
const CASES = 1000;
const POOL = 8;
const LIMIT_BYTES = 64 * 1024;
const TOKEN = 'fuzz-admin-token';

type Expect = 'invalid' | 'odd';

interface Case {
  readonly id: number;
  readonly cat: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly expect: Expect;
}

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer({ env: { ADMIN_TOKEN: TOKEN } });
});
afterAll(async () => srv?.close());

const JSON_CT = { 'content-type': 'application/json' };

function generate(seed: number): Case[] {
  const rnd = prng(seed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const str = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyz Heihe?'): string => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  const q = (): string => pick(['What province is Heihe in?', 'Which river forms the border?', 'How cold are the winters?', 'Heihe?']);
  const cases: Case[] = [];
  const add = (cat: string, expect: Expect, body: string | Uint8Array | undefined, extra: Partial<Omit<Case, 'id' | 'cat' | 'expect' | 'body'>> = {}): void => {
    cases.push({ id: cases.length, cat, expect, method: 'POST', path: '/ask', headers: JSON_CT, ...extra, ...(body === undefined ? {} : { body }) });
  };
  const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
  const concat = (...parts: Array<string | number[]>): Uint8Array => {
    const chunks = parts.map((p) => (typeof p === 'string' ? utf8(p) : Uint8Array.from(p)));
    const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
    let o = 0;
    for (const c of chunks) out.set(c, (o += c.length) - c.length);
    return out;
  };
  /** A valid /ask body padded with history to exactly `bytes` bytes. */
  const sized = (bytes: number): string => {
    const base = { question: q(), history: [] as Array<{ role: string; content: string }> };
    let remaining = bytes - Buffer.byteLength(JSON.stringify(base));
    while (remaining > 0) {
      const overhead = Buffer.byteLength(JSON.stringify({ role: 'user', content: '' })) + (base.history.length ? 1 : 0);
      const n = Math.min(20_000, remaining - overhead);
      if (n < 0) break;
      base.history.push({ role: base.history.length % 2 ? 'assistant' : 'user', content: 'y'.repeat(n) });
      remaining = bytes - Buffer.byteLength(JSON.stringify(base));
    }
    return JSON.stringify(base);
  };

  const generators: Array<() => void> = [
    // Wrong types for each field.
    () => add('wrong-type', 'invalid', JSON.stringify({ question: pick([42, true, null, [], {}, ['a'], { q: 'x' }, 1.5]) })),
    () => add('wrong-type', 'invalid', JSON.stringify({ question: q(), k: pick(['5', 0, 21, -1, 2.5, true, null, [], {}, '1e2', 1e9]) })),
    () => add('wrong-type', 'invalid', JSON.stringify({ question: q(), stream: pick(['true', 1, 0, null, 'yes', [], {}]) })),
    () => add('wrong-type', 'invalid', JSON.stringify({ question: q(), history: pick(['hi', 5, {}, null, true, [1], ['x'], [null], [[]]]) })),
    () =>
      add('wrong-type', 'invalid', JSON.stringify({
        question: q(),
        history: [pick([{ role: 'system', content: 'x' }, { role: 'user' }, { role: 'user', content: 5 }, { role: 'user', content: 'x', extra: 1 }, { content: 'x' }, { role: 'USER', content: 'x' }])],
      })),
    () => add('missing', 'invalid', JSON.stringify(pick([{}, { k: 5 }, { history: [] }, { stream: true }, { Question: q() }, { question: '' }, { question: '   \n\t ' }]))),
    // Huge strings: beyond the body limit, and within it but beyond the question limit.
    () => add('huge-over-limit', 'invalid', JSON.stringify({ question: str(LIMIT_BYTES + 1 + int(200_000)) })),
    () => {
      const body = sized(LIMIT_BYTES + 1 + int(50));
      add('huge-over-limit', Buffer.byteLength(body) > LIMIT_BYTES ? 'invalid' : 'odd', body);
    },
    () => add('huge-question', 'invalid', JSON.stringify({ question: str(2001 + int(55_000)) })),
    () => add('huge-history-content', 'invalid', JSON.stringify({ question: q(), history: [{ role: 'user', content: str(20_001 + int(30_000)) }] })),
    () => {
      const body = sized(LIMIT_BYTES - int(64));
      add(Buffer.byteLength(body) > LIMIT_BYTES ? 'huge-over-limit' : 'just-under-limit', Buffer.byteLength(body) > LIMIT_BYTES ? 'invalid' : 'odd', body);
    },
    () => add('max-question', 'odd', JSON.stringify({ question: `Heihe ${str(1994)}` })),
    // Deep nesting, 10k levels, in every position.
    () => add('deep-nesting', 'invalid', `{"question":"x","history":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
    () => add('deep-nesting', 'invalid', `{"question":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`),
    () => add('deep-nesting', 'invalid', `{"question":"x","extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`),
    () => add('deep-nesting', 'invalid', `${'['.repeat(10_000)}${']'.repeat(10_000)}`),
    () => add('deep-nesting-unbalanced', 'invalid', `{"question":${'['.repeat(10_000 + int(10))}`),
    // Invalid UTF-8 bytes inside a JSON string.
    () => add('invalid-utf8', 'invalid', concat('{"question":"Heihe ', pick([[0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0x80]]), ' river?"}')),
    // Prototype-pollution keys.
    () => add('proto-keys', 'invalid', `{"question":"${q()}","${pick(['__proto__', 'constructor', 'prototype'])}":{"polluted":"yes","k":99}}`),
    () => add('proto-keys', 'invalid', `{"question":"${q()}","history":[{"role":"user","content":"x","__proto__":{"polluted":"yes"}}]}`),
    () => add('proto-keys', 'invalid', `{"__proto__":{"question":"${q()}"}}`),
    () => add('proto-keys', 'invalid', `{"constructor":{"prototype":{"polluted":"yes"}},"question":"x"}`),
    // Not an object.
    () => add('not-object', 'invalid', pick(['[]', '[{"question":"x"}]', 'null', '42', '"question"', 'true', '-1', '1e999', '[null]'])),
    // Empty or whitespace body.
    () => add('empty', 'invalid', pick(['', ' ', '\n\n', '\t'])),
    () => add('empty', 'invalid', undefined),
    // Wrong content types.
    () =>
      add('content-type', 'invalid', JSON.stringify({ question: q() }), {
        headers: { 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'text/json', 'application/json; charset=latin1', 'application/json; charset=ascii', '*/*', 'application/octet-stream']) },
      }),
    () => add('content-type', 'invalid', JSON.stringify({ question: q() }), { headers: {} }),
    () => add('content-type', 'invalid', 'question=What+province', { headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    () => add('content-type-case', 'odd', JSON.stringify({ question: q() }), { headers: { 'content-type': pick(['Application/JSON', 'application/json; charset=UTF-8', 'application/json;charset=utf-8']) } }),
    // Duplicate keys: the last one wins.
    () => add('duplicate-keys', 'odd', `{"question":"x","question":"${q()}"}`),
    () => add('duplicate-keys', 'invalid', `{"question":"${q()}","question":${pick(['5', 'null', '""', '[]'])}}`),
    () => add('duplicate-keys', 'invalid', `{"question":"${q()}","k":3,"k":${pick(['0', '"3"', '99'])}}`),
    // NaN-like values.
    () => add('nan-like', 'invalid', `{"question":"${q()}","k":${pick(['NaN', 'Infinity', '-Infinity', 'undefined', '1e999', '-1e999', '0x10', '+5', '.5', '05'])}}`),
    () => add('nan-like', 'invalid', JSON.stringify({ question: q(), k: pick(['NaN', 'Infinity', '5', '']) })),
    () => add('nan-like', 'odd', `{"question":"${q()}","k":${pick(['5.0', '1E1', '2e0', '20.000'])}}`),
    // Control characters: raw (invalid JSON) and escaped (valid strings).
    () => add('control-raw', 'invalid', `{"question":"Heihe${String.fromCharCode(int(32))}river"}`),
    () => add('control-raw', 'invalid', `{"question":"${q()}"}${String.fromCharCode(int(32))}x`),
    () => add('control-escaped', 'odd', JSON.stringify({ question: `${q()}${String.fromCharCode(1 + int(31))}\u0000\u202e\ufeff` })),
    () => add('control-only', 'invalid', JSON.stringify({ question: pick(['\n', '\r\n', '\t\t', '\u00a0', '\u2028']) })),
    // Very long history arrays.
    () => add('long-history', 'invalid', JSON.stringify({ question: q(), history: Array.from({ length: 21 + int(2000) }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: '' })) })),
    () => add('long-history', 'odd', JSON.stringify({ question: q(), history: Array.from({ length: 1 + int(20) }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: str(int(50)) })) })),
    // Broken JSON.
    () => add('broken-json', 'invalid', pick([`{"question":"${q()}"`, `{"question":"${q()}",}`, `{'question':'x'}`, `{question:"x"}`, `{"question":"x"/*c*/}`, `{"question":"x\\q"}`, `{"question":"\\ud800"`, '{"a":1}}', '{"question" "x"}'])),
    // A byte-order mark before the JSON is tolerated (RFC 8259 allows ignoring it).
    () => add('bom', 'odd', `\ufeff{"question":"${q()}"}`),
    () => add('broken-json-escape', 'odd', JSON.stringify({ question: `${q()} \ud800 lone surrogate` })),
    // Random bytes.
    () => add('random-bytes', 'invalid', Uint8Array.from({ length: 1 + int(400) }, () => int(256))),
    // Other methods on /ask.
    () => add('method', 'invalid', JSON.stringify({ question: q() }), { method: pick(['GET', 'PUT', 'DELETE'] as const) }),
  ];

  const searchCase = (query: string, expect: Expect): void => {
    cases.push({ id: cases.length, cat: expect === 'odd' ? 'search-odd' : 'search', method: 'GET', path: `/search${query}`, headers: {}, expect });
  };
  const searchGenerators: Array<() => void> = [
    () => searchCase(pick(['', '?', '?q=', '?q=%20%20', '?k=3', '?q=a&q=b', '?q[a]=b', '?q=x&extra=1', '?Q=heihe', '?q=x&k=abc', '?q=x&k=0', '?q=x&k=21', '?q=x&k=1.5', '?q=x&k=-1', '?q=x&k=1e3', '?q=x&k=', '?q=x&k=NaN', '?q=x&k=Infinity', '?q=x&k=1&k=2', '?__proto__[x]=1&q=a', '?constructor=1&q=a']), 'invalid'),
    () => searchCase(`?q=${'a'.repeat(2001 + int(6000))}`, 'invalid'),
    () => searchCase(pick(['?q=%E0%A4%A', '?q=%ZZheihe', '?q=heihe%00river', '?q=%F0%9F%98%80', '?q=river&k=20', '?q=%3Cscript%3E', '?q=Heihe+port&k=1', '?q=%C0%AF']), 'odd'),
  ];

  const reindexCase = (headers: Record<string, string>, body?: string): void => {
    cases.push({ id: cases.length, cat: 'reindex', method: 'POST', path: '/reindex', headers, ...(body === undefined ? {} : { body }), expect: 'invalid' });
  };
  const reindexGenerators: Array<() => void> = [
    () => reindexCase(pick([{}, { authorization: '' }, { authorization: 'Bearer' }, { authorization: 'Bearer ' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${'x'.repeat(8000)}` }, { authorization: TOKEN }])),
    () => reindexCase({ ...JSON_CT, authorization: `Bearer ${TOKEN}` }, pick(['{', '{"a":', `${'['.repeat(10_000)}`, 'null'])),
    () => reindexCase({ ...JSON_CT, authorization: 'Bearer wrong' }, JSON.stringify({ full: true })),
  ];

  for (let i = 0; i < CASES; i++) {
    const r = rnd();
    if (r < 0.85) pick(generators)();
    else if (r < 0.95) pick(searchGenerators)();
    else pick(reindexGenerators)();
  }
  return cases;
}

interface Outcome {
  readonly c: Case;
  readonly status: number;
  readonly ms: number;
  readonly body: string;
  readonly contentType: string;
  readonly error?: string;
}

// A keep-alive socket the server closed just as the client reused it (the client's timer ran
// late on a busy machine) fails before the request reaches the server: such a request is sent
// again, once. A server that crashed or hung fails the second attempt too.
const REUSED_SOCKET_CLOSED = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
const socketClosed = (err: unknown): boolean => REUSED_SOCKET_CLOSED.has(String((err as { cause?: { code?: unknown } }).cause?.code));

async function send(base: string, c: Case, attempt = 1): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${c.path}`, {
      method: c.method,
      headers: c.headers,
      ...(c.body !== undefined && c.method !== 'GET' ? { body: typeof c.body === 'string' ? c.body : Uint8Array.from(c.body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await res.text();
    return { c, status: res.status, ms: performance.now() - started, body, contentType: res.headers.get('content-type') ?? '' };
  } catch (err) {
    if (attempt === 1 && socketClosed(err)) return send(base, c, 2);
    return { c, status: 0, ms: performance.now() - started, body: '', contentType: '', error: `${(err as Error).name}: ${(err as Error).message} (${String((err as { cause?: { code?: unknown } }).cause?.code ?? 'no code')}, attempt ${attempt})` };
  }
}

test(`fuzz: ${CASES} malformed or hostile requests (seed ${SEED}) answer 4xx JSON, never 5xx, never hang, never leak`, async () => {
  const cases = generate(SEED);
  const outcomes: Outcome[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: POOL }, async () => {
      for (let guard = 0; guard < CASES; guard++) {
        const c = cases[next++];
        if (!c) return;
        outcomes.push(await send(srv.url, c));
      }
    }),
  );
  const wallMs = performance.now() - started;

  const health = await fetch(`${srv.url}/health`);
  await health.text();
  const polluted = ({} as Record<string, unknown>)['polluted'] ?? ({} as Record<string, unknown>)['k'];

  const byStatus = new Map<number, number>();
  const byCat = new Map<string, Map<number, number>>();
  for (const o of outcomes) {
    byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const m = byCat.get(o.c.cat) ?? new Map<number, number>();
    m.set(o.status, (m.get(o.status) ?? 0) + 1);
    byCat.set(o.c.cat, m);
  }
  const problems: string[] = [];
  for (const o of outcomes) {
    const shown = o.c.body === undefined ? '' : typeof o.c.body === 'string' ? o.c.body : Buffer.from(o.c.body).toString('latin1');
    const what = `#${o.c.id} ${o.c.cat} ${o.c.method} ${o.c.path.slice(0, 40)} ${JSON.stringify(shown.slice(0, 60))} -> ${o.status}`;
    if (o.status === 0) problems.push(`${what}: no response (${o.error})`);
    else if (o.status >= 500) problems.push(`${what}: server error ${o.body.slice(0, 200)}`);
    else if (o.c.expect === 'invalid' && !(o.status >= 400 && o.status < 500)) problems.push(`${what}: expected 4xx`);
    else if (o.c.expect === 'odd' && o.status !== 200 && !(o.status >= 400 && o.status < 500)) problems.push(`${what}: expected 200 or 4xx`);
    if (o.status >= 400 && o.status < 500) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(o.body);
      } catch {
        /* reported below */
      }
      if (!o.contentType.startsWith('application/json') || !isErrorBody(parsed)) problems.push(`${what}: not a JSON error body: ${o.body.slice(0, 120)}`);
    }
    const leak = leaks(o.body);
    if (leak.length) problems.push(`${what}: leaks ${leak.join(',')}`);
  }
  const slowest = Math.max(...outcomes.map((o) => o.ms));
  const odd = outcomes.filter((o) => o.c.expect === 'odd');
  console.log(
    `fuzz seed=${SEED}: ${outcomes.length} requests in ${Math.round(wallMs)}ms, statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])))}; ` +
      `odd-but-valid ${odd.length} (200: ${odd.filter((o) => o.status === 200).length}); slowest ${Math.round(slowest)}ms; problems ${problems.length}; health ${health.status}; prototype polluted: ${polluted !== undefined}`,
  );
  console.log(`fuzz by category: ${[...byCat].sort().map(([cat, m]) => `${cat}=${[...m].map(([s, n]) => `${s}x${n}`).join('/')}`).join(' ')}`);
  if (problems.length) console.log(`fuzz problems (first 10):\n  ${problems.slice(0, 10).join('\n  ')}`);
  expect(outcomes).toHaveLength(CASES);
  expect(problems).toEqual([]);
  expect(health.status).toBe(200);
  expect(polluted).toBeUndefined();
}, 120_000);
