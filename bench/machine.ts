/**
 * How busy the machine was with work that is not the benchmark's: CPU time of the whole
 * machine (/proc/stat) minus the CPU time of this process and its waited-for children
 * (/proc/self/stat utime, stime, cutime, cstime). On a shared 2-core machine, other
 * processes competing for the CPU make every figure slower; the report says how much.
 * Linux only; elsewhere the figures are NaN.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface Snapshot {
  readonly at: number;
  readonly machineBusy: number;
  readonly ours: number;
}

function snapshot(): Snapshot {
  let machineBusy = Number.NaN;
  let ours = Number.NaN;
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    machineBusy = (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    // After "pid (comm) ": state is field 3, so utime (14) is index 11 here.
    ours = ((fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0)) / TICKS_PER_SECOND;
  } catch {
    // not Linux
  }
  return { at: performance.now(), machineBusy, ours };
}

export interface Busy {
  readonly seconds: number;
  /** CPU-seconds used by other processes. */
  readonly foreignCpuSeconds: number;
  /** Share of the machine's capacity (all cores) used by other processes. */
  readonly foreignShare: number;
}

export function busyBetween(a: Snapshot, b: Snapshot): Busy {
  const seconds = (b.at - a.at) / 1000;
  // Children still running are not in cutime yet; their time shows as foreign until waited for.
  const foreign = Math.max(0, b.machineBusy - a.machineBusy - (b.ours - a.ours));
  return { seconds, foreignCpuSeconds: foreign, foreignShare: foreign / (seconds * os.cpus().length) };
}

/** Marks sections of the run and reports, per section and overall, how busy other processes kept the machine. */
export function machineMonitor(): { section(name: string): void; finish(): { overall: Busy; sections: Record<string, Busy>; loadavgStart: number[] } } {
  const start = snapshot();
  const loadavgStart = os.loadavg();
  const sections: Record<string, Busy> = {};
  let current: { name: string; from: Snapshot } | null = null;
  const close = (): void => {
    if (current) sections[current.name] = busyBetween(current.from, snapshot());
    current = null;
  };
  return {
    section(name) {
      close();
      current = { name, from: snapshot() };
    },
    finish() {
      close();
      return { overall: busyBetween(start, snapshot()), sections, loadavgStart };
    },
  };
}
