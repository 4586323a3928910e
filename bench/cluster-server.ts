/**
 * The parallel ceiling of `/ask` on this machine: CLUSTER_WORKERS copies (default 2) of the real
 * server (dist/src/server/main.js) sharing one port through node:cluster, for bench/ab-env.ts:
 *
 *   npx tsc && npx tsx bench/ab-env.ts ask 4 64 3 default ENTRY=dist/bench/cluster-server.js bare
 *
 * Not a way to run the product (each copy has its own rate limit and metrics); it measures what
 * using every core would give, with the load generator on the same cores.
 */
import cluster from 'node:cluster';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../src/project-root.js';

const workers = Number(process.env['CLUSTER_WORKERS'] ?? 2);
if (cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  });
} else {
  await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/server/main.js')).href);
}
