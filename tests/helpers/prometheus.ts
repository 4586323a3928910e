/**
 * Scraping GET /metrics in tests: fetch, parse with a Prometheus text-format parser, and read
 * series by name and labels.
 */
import { expect } from 'vitest';
import parsePrometheusTextFormat, { type PrometheusFamily, type PrometheusSample } from 'parse-prometheus-text-format';

export interface Scrape {
  readonly text: string;
  /** Metric families with their HELP and TYPE. */
  readonly families: ReadonlyMap<string, PrometheusFamily>;
  /**
   * Every series by its own name (histograms as `_bucket`, `_sum`, `_count`), with labels and
   * value. Read with the TYPE lines left out: the parser (1.1.1) folds the series of a
   * histogram that has labels other than `le` wrongly, dropping labels and counts.
   */
  readonly series: ReadonlyMap<string, readonly PrometheusSample[]>;
}

export async function scrape(baseUrl: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(`${baseUrl}/metrics`, { headers });
  const text = await res.text();
  expect(res.status, text.slice(0, 200)).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const untyped = text
    .split('\n')
    .filter((l) => !l.startsWith('# TYPE '))
    .join('\n');
  // Untyped, the series of one histogram interleave, so one name comes back as several families.
  const series = new Map<string, PrometheusSample[]>();
  for (const f of parsePrometheusTextFormat(untyped)) series.set(f.name, [...(series.get(f.name) ?? []), ...f.metrics]);
  return { text, families: new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f])), series };
}

/** The series `name` whose labels include `labels`. */
export function samples(s: Scrape, name: string, labels: Record<string, string> = {}): PrometheusSample[] {
  return (s.series.get(name) ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

/** The sum of the values of the matching series; 0 when there are none. */
export function total(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  return samples(s, name, labels).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
}
