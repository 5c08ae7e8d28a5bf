/** One point of a VM's or host's performance history, as the history methods answer it. */
export interface PerfPoint {
  /** ms since epoch: the poll's time, or the middle of a downsampled bucket. */
  at: number;
  /** Share of ONE host CPU (100 = one core); for a host, the sum over its VMs. */
  cpuPercent: number | null;
  memoryMiB: number | null;
  /** Bytes per second read + written; null where the hypervisor does not count. */
  diskBytesPerSec: number | null;
  /** Bytes per second received + sent. */
  netBytesPerSec: number | null;
}

/** A history answer: the points oldest first, and where poll resolution begins. */
export interface PerfHistory {
  points: PerfPoint[];
  /** Points before this time are averages over `downsampledStepMs`. */
  pollResolutionSince: number | null;
  downsampledStepMs: number;
}
