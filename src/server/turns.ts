/**
 * Fair turns for CPU-bound request work. Answering a question is a few milliseconds of
 * synchronous CPU; under load, every request whose body arrived in one event-loop iteration
 * would do all of its work in that iteration, so each iteration grows to the size of the
 * load and I/O callbacks wait that long each. A re-index needs ~100 file operations in a
 * row, so at 64 requests in flight it took 6-15 s instead of ~0.2 s. Work that waits for its
 * turn starts at most `perTurn` at a time per iteration, with pending I/O handled in between;
 * without load a turn costs one setImmediate.
 */
export type Turn = () => Promise<void>;

export function createTurns(perTurn: number): Turn {
  const waiting: Array<() => void> = [];
  let scheduled = false;
  const pump = (): void => {
    for (const start of waiting.splice(0, perTurn)) start();
    if (waiting.length > 0) setImmediate(pump);
    else scheduled = false;
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}
