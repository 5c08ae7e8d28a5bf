// Evacuating a host for maintenance: where each of its running VMs goes. Each VM goes to the
// candidate host with the most free memory left once the VMs placed before it are counted, the
// largest VMs placed first; a VM no host has room for is named, and nothing moves.

export interface EvacuationCandidate {
  host: string;
  freeMemoryMiB: number;
}

export interface EvacuationPlan {
  moves: Array<{ vm: string; target: string }>;
  /** VMs no candidate has memory for, with what they need. */
  unplaced: Array<{ vm: string; memoryMiB: number }>;
}

export function planEvacuation(
  vms: ReadonlyArray<{ name: string; memoryMiB: number }>,
  candidates: readonly EvacuationCandidate[],
): EvacuationPlan {
  const free = new Map(candidates.map((c) => [c.host, c.freeMemoryMiB]));
  const plan: EvacuationPlan = { moves: [], unplaced: [] };
  const largestFirst = [...vms].sort(
    (a, b) => b.memoryMiB - a.memoryMiB || a.name.localeCompare(b.name),
  );
  for (const vm of largestFirst) {
    let best: string | undefined;
    for (const [host, mib] of free) {
      if (mib >= vm.memoryMiB && (best === undefined || mib > free.get(best)!)) best = host;
    }
    if (best === undefined) plan.unplaced.push({ vm: vm.name, memoryMiB: vm.memoryMiB });
    else {
      plan.moves.push({ vm: vm.name, target: best });
      free.set(best, free.get(best)! - vm.memoryMiB);
    }
  }
  return plan;
}
