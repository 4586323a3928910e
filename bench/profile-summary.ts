/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions by self time, and
 * inclusive time by package / project file, so a hot spot can be named with its share.
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
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (!n) continue;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${area(f.url)}:${f.lineNumber + 1}`;
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + us);
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
