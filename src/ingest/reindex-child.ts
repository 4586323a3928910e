/**
 * The re-index child process (started by reindex-in-child.ts): receives the Config over IPC,
 * runs reindex() once with the configured embeddings, reports stages, log lines and the
 * summary (or the typed error) back, and exits. Nothing here listens or serves.
 */
import type { Config } from '../config.js';
import { createEmbeddingPort, sentenceFeaturesFor } from '../embeddings/port.js';
import { calibratorFor } from '../runtime.js';
import type { Log } from '../log.js';
import { AppError } from '../errors.js';
import { reindex, reindexDepsFor } from './reindex.js';
import { toWire, type ChildMessage, type LogLevel, type RunMessage } from './reindex-in-child.js';

const send = (m: ChildMessage): Promise<void> =>
  new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(m, undefined, {}, () => resolve());
  });

/** Errors in log fields become plain objects: IPC carries JSON. */
function plain(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { type: v.name, message: v.message, code: (v as NodeJS.ErrnoException).code, stack: v.stack } : v;
  }
  return out;
}

const line =
  (level: LogLevel) =>
  (fields: object, message: string): void =>
    void send({ type: 'log', level, fields: plain(fields), message });
const log: Log = { info: line('info'), warn: line('warn'), error: line('error') };

async function run(config: Config): Promise<void> {
  try {
    const [embedding, sentences, calibrate] = await Promise.all([createEmbeddingPort(config), sentenceFeaturesFor(config), calibratorFor(config)]);
    const { loaded: _loaded, ...summary } = await reindex(reindexDepsFor(config, embedding, { log, sentences, calibrate, onStage: (stage) => void send({ type: 'stage', stage }) }));
    await send({ type: 'done', summary, maxRssBytes: process.resourceUsage().maxRSS * 1024 });
  } catch (err) {
    if (!(err instanceof AppError)) log.error({ err }, 're-index failed');
    await send({ type: 'failed', error: toWire(err) });
  }
  process.disconnect?.();
}

process.once('message', (m: RunMessage) => {
  if (m.type === 'run') void run(m.config);
});
// The parent gone (killed, or it closed the channel) leaves nothing to report to.
process.once('disconnect', () => process.exit(0));
