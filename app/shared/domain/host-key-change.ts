// A host's poll error that says its key changed (HostKeyChangedError in app/main/ssh, whose
// message names the known and the offered fingerprints), read back for the host's screen, which
// offers to accept the new key.

export interface HostKeyChange {
  /** The fingerprints ConVirt trusted for the host. */
  known: string[];
  /** The fingerprint the host offers now: what accepting trusts. */
  offered: string;
}

const FINGERPRINT = /SHA256:[A-Za-z0-9+/]{43}/g;
const CHANGED = /has CHANGED\. It was (.+?), it is now (SHA256:[A-Za-z0-9+/]{43}) /;

/** The key change a poll error reports, or null when it reports something else. */
export function hostKeyChange(error: string | null): HostKeyChange | null {
  const m = error ? CHANGED.exec(error) : null;
  if (!m) return null;
  return { known: m[1]!.match(FINGERPRINT) ?? [], offered: m[2]! };
}
