// Errors of the fleet engine as the contract's error data, so the UI can tell an unknown host key
// (show the fingerprint, ask) from a changed one (warn, block) from bad input (mark the field).
import { ContractError, contractErrorData } from '../../shared/contract/define.js';
import { NotSupportedError } from '../hypervisors/driver.js';
import { NotFoundError } from '../inventory/index.js';
import { HostKeyChangedError, HostKeyUnknownError } from '../ssh/host-key-trust.js';

export function toContractError(err: unknown): ContractError {
  if (err instanceof HostKeyUnknownError) {
    return new ContractError({
      code: 'host-key-unknown',
      message: err.message,
      fingerprint: err.key.fingerprint,
    });
  }
  if (err instanceof HostKeyChangedError) {
    return new ContractError({
      code: 'host-key-changed',
      message: err.message,
      fingerprint: err.key.fingerprint,
      ...(err.knownFingerprints[0] ? { oldFingerprint: err.knownFingerprints[0] } : {}),
    });
  }
  if (err instanceof NotSupportedError) {
    return new ContractError({ code: 'not-supported', message: err.message });
  }
  if (err instanceof NotFoundError) {
    return new ContractError({ code: 'not-found', message: err.message });
  }
  return new ContractError(contractErrorData(err));
}
