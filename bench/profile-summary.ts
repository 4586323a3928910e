/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, inclusive
 * time by package / project file, and time by stage of a request (each sample counted once,
 * for the stage of the frame nearest its leaf that names one), so a hot spot can be named
 * with its share.
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [topN]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** "node_modules/<pkg>" for dependencies, the project-relative path for our files, else the URL. */
function area(url: string): string {
  if (!url) return '(native/V8)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `pkg:${nm[1]}`;
  const ours = /\/(src|bench|dist\/src|dist\/bench)\/(.+)$/.exec(url);
  if (ours) return `${ours[1]}/${ours[2]}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

/**
 * Stages of an /ask or /search request, tried on each frame from the sample's leaf up: the
 * first frame a stage claims (by file or package, and function name where one file does
 * several jobs) takes the sample.
 */
const STAGES: ReadonlyArray<readonly [string, (fn: string, where: string, url: string) => boolean]> = [
  ['garbage collection', (fn) => fn === '(garbage collector)'],
  ['idle', (fn) => fn === '(idle)' || fn === '(program)'],
  ['word cosines (question terms × passage lemmas)', (fn, w) => w.endsWith('answer/features.js') && /^(cosinesInto|computeCosines|prepare|get|dot32)$/.test(fn)],
  ['term matching (sentences, titles)', (fn, w) => w.endsWith('answer/features.js') && /^(match|passageMatches|TermMatcher|longestRun)$/.test(fn)],
  ['top and corpus features (refusal input)', (fn, w) => w.endsWith('answer/features.js') && /^(topFeatures|corpusFeatures|at)$/.test(fn)],
  ['pair features (the rest, ~140 per sentence)', (_fn, w) => w.endsWith('answer/features.js') || w.endsWith('answer/sentence-index.js')],
  ['ranker (120-tree forest)', (_fn, w) => w.endsWith('answer/forest.js')],
  ['refusal classifier, softmax, candidates', (fn, w) => w.endsWith('answer/model.js') || (w.endsWith('answer/extractive.js') && fn === 'scoreQuestion')],
  ['compose answer, citations', (_fn, w) => w.endsWith('answer/extractive.js') || w.endsWith('answer/cap.js')],
  ['question analysis (tokenizer, vocabulary, condense)', (_fn, w) => /answer\/(question|condense)\.js$|text\/|wink-|any-ascii/.test(w)],
  ['query embedding (word vectors)', (_fn, w) => /embeddings\//.test(w)],
  ['HNSW search', (_fn, w, url) => /hnswlib/.test(url)],
  ['BM25', (_fn, w) => w.endsWith('retrieval/bm25.js')],
  ['fusion, retrieval glue', (_fn, w) => /retrieval\/(hybrid|fusion)\.js$/.test(w)],
  ['ask wrapper (stream events, pieces)', (_fn, w) => /answer\/ask\.js$|runtime\.js$/.test(w)],
  ['JSON response (stringify, etag, send)', (fn, w) => (/pkg:express$/.test(w) && /^(stringify|json|send)$/.test(fn)) || /pkg:etag/.test(w) || fn === 'stringify'],
  ['request logging (request-log, pino)', (_fn, w) => /pkg:(pino|sonic-boom|thread-stream)$|server\/request-log\.js$/.test(w)],
  ['rate limit', (_fn, w) => /express-rate-limit/.test(w)],
  ['body parse, zod validation', (_fn, w) => /pkg:(body-parser|raw-body|zod|iconv-lite|type-is|content-type|media-typer)$|server\/schemas\.js$/.test(w)],
  ['security headers (helmet)', (_fn, w) => /helmet/.test(w)],
  ['metrics (prom-client)', (_fn, w) => /server\/metrics\.js$|prom-client/.test(w)],
  ['turns (fair CPU share)', (_fn, w) => /server\/turns\.js$/.test(w)],
  ['Express routing, other middleware', (_fn, w) => /pkg:(express|router|parseurl|finalhandler|on-finished|proxy-addr|forwarded|mime-types|send|serve-static|statuses)$|server\//.test(w)],
  ['Node HTTP, sockets, timers', (fn, w) => w === 'node:internal' || /^(writev|writeString|writeBuffer|writeUtf8String|onStreamRead)$/.test(fn)],
];

export function summarizeProfile(file: string, top = 25): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)?.callFrame.functionName ?? '')).reduce((a, [, v]) => a + v, 0);

  const selfByFn = new Map<string, number>();
  const inclByArea = new Map<string, number>();
  const byStage = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${area(f.url)}:${f.lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
    let stage = 'other';
    for (let cur: number | undefined = id; cur !== undefined && stage === 'other'; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (!frame) break;
      const where = area(frame.url);
      stage = STAGES.find(([, claims]) => claims(frame.functionName, where, frame.url))?.[0] ?? 'other';
    }
    byStage.set(stage, (byStage.get(stage) ?? 0) + us);
    // Inclusive by area: every distinct area on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const url = byId.get(cur)?.callFrame.url ?? '';
      if (!url) continue; // native frames count for their JS caller
      const a = area(url);
      if (!seen.has(a)) {
        seen.add(a);
        inclByArea.set(a, (inclByArea.get(a) ?? 0) + us);
      }
    }
  }
  const pct = (us: number): string => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled, idle/program ${pct(idle)}`, '', 'Self time, top functions:'];
  for (const [k, us] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  lines.push('', 'Inclusive time by package / file:');
  for (const [k, us] of [...inclByArea].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${k}`);
  const busy = total - (byStage.get('idle') ?? 0);
  lines.push('', 'By stage (share of all samples; of the busy ones):');
  for (const [k, us] of [...byStage].sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(us)}  ${k === 'idle' ? '     ' : `${((100 * us) / busy).toFixed(1).padStart(4)} %`}  ${k}`);
  return lines.join('\n');
}

if (process.argv[1] && /profile-summary\.(ts|js)$/.test(process.argv[1])) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile-summary <file.cpuprofile> [topN]');
    process.exit(2);
  }
  console.log(summarizeProfile(file, Number(process.argv[3] ?? 25)));
}
