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
  if (!Number.isInteger(workers) || workers < 1) {
    console.error(`CLUSTER_WORKERS must be a whole number of at least 1, not ${process.env['CLUSTER_WORKERS']}`);
    process.exit(2);
  }
  let stopping = false;
  // A copy that dies while measuring would silently halve the figure: stop, and say so.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(`server copy ${worker.process.pid} exited (${signal ?? code}) during the measurement`);
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    process.exit(1);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.kill('SIGTERM');
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  await import(pathToFileURL(path.join(PROJECT_ROOT, 'dist/src/server/main.js')).href);
}
