/**
 * npx tsx bench/ab-env.ts <route> <seconds> <connections> <rounds> KEY=VAL[,KEY=VAL] KEY=VAL[,...] ...
 *
 * Throughput of the real server (compiled: run `npx tsc` first) on the Heihe corpus under
 * several environment variants, runs alternating between the variants (the machine is shared),
 * median req/s of each: e.g. what request logging at info costs against warn. A variant's
 * ENTRY=<path> runs another build of the server (a copy of dist/ with a middleware taken out).
 */
import os from 'node:os';
import path from 'node:path';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS } from './questions.js';
import { BARE_ENTRY, PROJECT_ROOT, SERVER_ENTRY, serverEnv, spawnServer, type Child } from './procs.js';
import { routeRequests, runLoad } from './load.js';
import { indexedCorpus } from './answer-corpus.js';
import { summarize } from './stats.js';

const [route = 'ask', secondsArg = '3', cArg = '64', roundsArg = '3', ...variants] = process.argv.slice(2);
const corpusDir = path.join(PROJECT_ROOT, 'corpus');
const served = await indexedCorpus(corpusDir);
const { indexDir } = served;
const servers: Child[] = [];
try {
  const requests = routeRequests(route, [...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS]);
  const names = variants.length ? variants : ['default'];
  for (const v of names) {
    const extra = v === 'default' || v === 'bare' ? {} : Object.fromEntries(v.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    // ENTRY=<path> runs another build of the server (e.g. one with a middleware taken out).
    const { ENTRY: entry = SERVER_ENTRY, ...env } = extra;
    servers.push(await spawnServer(v === 'bare' ? { entry: BARE_ENTRY, env: {}, readyPath: '/health' } : { entry, env: serverEnv(indexDir, corpusDir, env), readyPath: '/health' }));
  }
  for (const s of servers) await runLoad(s.url, requests, 16, 2);
  const rps = names.map(() => [] as number[]);
  for (let r = 0; r < Number(roundsArg); r++) {
    for (const [i, s] of servers.entries()) {
      const res = await runLoad(s.url, requests, Number(cArg), Number(secondsArg));
      if (res.non2xx || res.errors) console.log(`${names[i]}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      rps[i]?.push(res.rps);
    }
  }
  console.log(`${route} c=${cArg}, ${roundsArg} × ${secondsArg} s, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  names.forEach((n, i) => {
    const s = summarize(rps[i] ?? []);
    console.log(`  ${n.padEnd(50)} ${s.median.toFixed(0)} req/s (${s.min.toFixed(0)}–${s.max.toFixed(0)})`);
  });
} finally {
  for (const s of servers) await s.stop();
  served.close();
}
process.exit(0);
