// @ts-check
/**
 * The server's state as the reader sees it: a status pill in plain words (ready, starting,
 * unreachable), a tagline saying what kind of answers to expect, and the technical details
 * (mode, index, embeddings) behind a toggle. Health is checked at load, then every 30 s while
 * all is well and every 3 s while it is not, at once when the tab comes back or the network
 * returns, and whenever an answer fails or succeeds, so failure and recovery show as they happen.
 */

/** @typedef {import('./types.js').Health} Health */
/** @typedef {{ kind: 'checking' } | { kind: 'ok', health: Health } | { kind: 'starting', health: Health } | { kind: 'down' }} ServerState */

export const CHECK_EVERY_MS = { ok: 30_000, notOk: 3_000 };

/**
 * @param {{ getHealth: () => Promise<Health>, onChange: (s: ServerState) => void, everyMs?: { ok: number, notOk: number } }} deps
 */
export function createHealthMonitor({ getHealth, onChange, everyMs = CHECK_EVERY_MS }) {
  /** @type {ServerState} */
  let state = { kind: 'checking' };
  let timer = 0;
  let inFlight = false;
  let stopped = false;

  /** @param {ServerState} next */
  function set(next) {
    state = next;
    onChange(next);
    schedule();
  }

  function schedule() {
    window.clearTimeout(timer);
    if (stopped) return;
    timer = window.setTimeout(check, state.kind === 'ok' ? everyMs.ok : everyMs.notOk);
  }

  async function check() {
    if (inFlight || stopped) return;
    inFlight = true;
    try {
      const health = await getHealth();
      set(health.status === 'ok' ? { kind: 'ok', health } : { kind: 'starting', health });
    } catch {
      set({ kind: 'down' });
    } finally {
      inFlight = false;
    }
  }

  return {
    start() {
      stopped = false;
      void check();
    },
    stop() {
      stopped = true;
      window.clearTimeout(timer);
    },
    /** Checks now (tab visible again, network back, an answer failed or came through). */
    checkNow() {
      void check();
    },
    /** The server could not be reached (a failed /ask): say so now, and keep checking. */
    reportUnreachable() {
      if (state.kind !== 'down') set({ kind: 'down' });
      void check();
    },
    /** An answer came through: if we thought the server was away, look again now. */
    reportReachable() {
      if (state.kind !== 'ok') void check();
    },
    state: () => state,
  };
}

/** @typedef {ReturnType<typeof createHealthMonitor>} HealthMonitor */

/** @param {Health['mode'] | undefined} mode */
export function taglineFor(mode) {
  if (mode === 'llm') return 'Answers written by a language model from the Heihe documents, with their sources';
  if (mode === 'extractive') return 'Works offline · answers quote the Heihe documents';
  return 'Answers from the Heihe documents, with their sources';
}

/**
 * @param {ServerState} s
 * @returns {{ state: string, text: string, title: string }}
 */
export function pillFor(s) {
  switch (s.kind) {
    case 'checking':
      return { state: 'loading', text: 'Connecting…', title: 'Checking the server' };
    case 'ok':
      return { state: 'ok', text: 'Ready', title: 'The server is answering' };
    case 'starting':
      return { state: 'degraded', text: 'Starting up…', title: 'The server is up but its index is not loaded yet' };
    case 'down':
      return { state: 'down', text: 'Server unreachable', title: 'The server cannot be reached; retrying every few seconds' };
  }
}

/**
 * Technical details, as label/value pairs, for the details toggle.
 * @param {Health} health
 * @returns {Array<[string, string]>}
 */
export function detailsFor(health) {
  /** @type {Array<[string, string]>} */
  const rows = [['Answer mode', health.mode === 'llm' ? 'llm (a language model writes the answer; citations checked)' : 'extractive (quotes corpus sentences; works offline)']];
  const index = health.index;
  if (index) {
    rows.push(['Index', `${String(index.version).slice(0, 12)} (${index.chunks} passages from ${index.sources} document${index.sources === 1 ? '' : 's'})`]);
    rows.push(['Embeddings', `${index.embedding.provider}: ${index.embedding.model}, ${index.embedding.dimensions} dimensions`]);
    const built = new Date(index.createdAt);
    if (!Number.isNaN(built.getTime())) rows.push(['Built', built.toLocaleString()]);
  } else {
    rows.push(['Index', 'not loaded yet']);
  }
  return rows;
}
