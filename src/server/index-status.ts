/**
 * What /health reports beyond the live index: whether the server is serving the generation
 * CURRENT names (else "degraded", with the reason: a start-up fallback, a new generation that
 * failed to load, CURRENT naming nothing), and the last re-index's result and time.
 */
export interface ReindexRecord {
  /** When it finished (ISO 8601). */
  readonly at: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly generation?: string;
  readonly changed?: boolean;
  readonly repaired?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface IndexStatus {
  /** Why the served generation is not the one CURRENT names, or null when it is. */
  problem(): string | null;
  degrade(reason: string): void;
  recover(): void;
  recordReindex(record: ReindexRecord): void;
  lastReindex(): ReindexRecord | null;
}

export function createIndexStatus(initialProblem: string | null = null): IndexStatus {
  let problem = initialProblem;
  let last: ReindexRecord | null = null;
  return {
    problem: () => problem,
    degrade(reason) {
      problem = reason;
    },
    recover() {
      problem = null;
    },
    recordReindex(record) {
      last = record;
    },
    lastReindex: () => last,
  };
}
