/**
 * Reciprocal rank fusion (Cormack et al. 2009): combines ranked lists without calibrating
 * their scores against each other. Each list contributes weight / (k + rank).
 */
export interface RankedList {
  readonly ids: readonly number[];
  readonly weight: number;
}

export interface Fused {
  readonly id: number;
  readonly score: number;
  /** 1-based rank of the id in each input list, or null. */
  readonly ranks: ReadonlyArray<number | null>;
}

export function reciprocalRankFusion(lists: readonly RankedList[], k = 60): Fused[] {
  const byId = new Map<number, { score: number; ranks: Array<number | null> }>();
  lists.forEach((list, li) => {
    list.ids.forEach((id, i) => {
      let entry = byId.get(id);
      if (!entry) byId.set(id, (entry = { score: 0, ranks: lists.map(() => null) }));
      entry.score += list.weight / (k + i + 1);
      entry.ranks[li] = i + 1;
    });
  });
  return [...byId]
    .map(([id, e]) => ({ id, score: e.score, ranks: e.ranks }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
