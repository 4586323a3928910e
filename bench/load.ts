/**
 * HTTP load with autocannon used as a library, from the bench process; the server under test
 * is always another process. Every connection cycles through the same list of /ask bodies.
 */
import autocannon from 'autocannon';

export interface LoadResult {
  readonly connections: number;
  readonly seconds: number;
  /** Completed responses per second over the whole run. */
  readonly rps: number;
  readonly latencyP50: number;
  readonly latencyP99: number;
  readonly latencyMax: number;
  readonly requests: number;
  readonly non2xx: number;
  readonly errors: number;
}

export function askRequests(questions: readonly string[], k = 5): autocannon.Request[] {
  return questions.map((question) => ({
    method: 'POST',
    path: '/ask',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question, k }),
  }));
}

/** GET /search for each question (the retrieval alone), as the chat page's search does. */
export function searchRequests(questions: readonly string[], k = 5): autocannon.Request[] {
  return questions.map((question) => ({ method: 'GET', path: `/search?${new URLSearchParams({ q: question, k: String(k) }).toString()}` }));
}

/** The requests the bench sends to a route: /ask bodies, /search queries (both over `questions`), or GET /health. */
export function routeRequests(route: 'ask' | 'search' | 'health' | string, questions: readonly string[]): autocannon.Request[] {
  if (route === 'search') return searchRequests(questions);
  if (route === 'health') return [{ method: 'GET', path: '/health' }];
  return askRequests(questions);
}

export async function runLoad(url: string, requests: autocannon.Request[], connections: number, seconds: number): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 30,
    requests,
  });
  const total = result.requests.total;
  return {
    connections,
    seconds: result.duration,
    rps: total / result.duration,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    latencyMax: result.latency.max,
    requests: total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
