// A chart's history kept current without fetching all of it after each poll: the first answer
// is whole, later ones only from the newest point held (which main may still be updating). Once
// in a while the whole history is fetched again, so points main has since averaged are replaced.
import type { PerfHistory } from '../../../shared/domain/perf-history.js';

/** How long a chart goes on with partial answers before it fetches the whole history again. */
export const WHOLE_HISTORY_EVERY_MS = 10 * 60_000;

/** Where the next answer should start: null for the whole history. */
export function nextSince(
  held: PerfHistory | null,
  wholeFetchedAt: number | null,
  now: number,
): number | null {
  if (!held || wholeFetchedAt === null || now - wholeFetchedAt >= WHOLE_HISTORY_EVERY_MS) {
    return null;
  }
  return held.points.at(-1)?.at ?? null;
}

/** The held history with a partial answer from `since` on. */
export function withUpdate(held: PerfHistory, update: PerfHistory, since: number): PerfHistory {
  return {
    ...held,
    points: [...held.points.filter((p) => p.at < since), ...update.points],
    pollResolutionSince: held.pollResolutionSince ?? update.pollResolutionSince,
  };
}
