// Errors from the contract arrive as ContractError (or, across a transport, as an Error carrying
// the same `data`); the screens read the code and fingerprints from here.
import type { ContractErrorData } from '../../../shared/contract/define.js';

export function contractErrorData(err: unknown): ContractErrorData | null {
  if (typeof err !== 'object' || err === null) return null;
  const data = (err as { data?: unknown }).data;
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as ContractErrorData).code === 'string'
  ) {
    return data as ContractErrorData;
  }
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && typeof (err as { message?: unknown }).message === 'string') {
    return err as ContractErrorData;
  }
  return null;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return contractErrorData(err)?.message ?? String(err);
}
