/**
 * npx tsx bench/profile-server.ts [ask|search|health] [seconds] [connections]
 *
 * CPU profile of the real server (node --cpu-prof, compiled code: run `npx tsc` first) under
 * autocannon load from this process, on the Heihe corpus with the bench's production settings
 * (bench/procs.ts serverEnv), then the summary of bench/profile-summary.ts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HEIHE_QUESTIONS, OFF_TOPIC_QUESTIONS } from './questions.js';
import { PROJECT_ROOT, SERVER_ENTRY, serverEnv, spawnServer } from './procs.js';
import { routeRequests, runLoad } from './load.js';
import { indexedCorpus } from './answer-corpus.js';
import { summarizeProfile } from './profile-summary.js';

const route = process.argv[2] ?? 'ask';
const seconds = Number(process.argv[3] ?? 10);
const connections = Number(process.argv[4] ?? 16);
const corpusDir = path.join(PROJECT_ROOT, 'corpus');
const served = await indexedCorpus(corpusDir);
const profDir = mkdtempSync(path.join(os.tmpdir(), 'heihe-profile-'));
try {
  const requests = routeRequests(route, [...HEIHE_QUESTIONS, ...OFF_TOPIC_QUESTIONS]);
  const server = await spawnServer({ entry: SERVER_ENTRY, env: serverEnv(served.indexDir, corpusDir), readyPath: '/health', nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
  await runLoad(server.url, requests, connections, 2);
  const r = await runLoad(server.url, requests, connections, seconds);
  await server.stop();
  console.log(`${route}: ${r.rps.toFixed(0)} req/s at c=${connections} (${r.non2xx} non-2xx) while profiled`);
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('the server wrote no profile');
  console.log(summarizeProfile(path.join(profDir, file), Number(process.argv[5] ?? 40)));
} finally {
  served.close();
  rmSync(profDir, { recursive: true, force: true });
}
process.exit(0);
