// A VM state or host status at a glance: a coloured dot and the word (colour is never the only cue).
import type { HostStatus } from '../../../shared/contract/convirt-contract.js';
import type { VmState } from '../../../shared/domain/vm.js';

export function StateBadge({ state }: { state: VmState | HostStatus }) {
  return (
    <span className={`badge state-${state}`}>
      <span className="dot" aria-hidden="true" />
      {state}
    </span>
  );
}
