// Serving a contract, whatever the transport: a call is dispatched by method name from the
// declaration only, its arguments parsed against the declared schemas before the service sees
// them, and any failure turned into ContractErrorData.
import {
  ContractError,
  contractErrorData,
  parseArgs,
  type ContractErrorData,
  type ContractSpec,
  type ServiceOf,
} from '../../shared/contract/define.js';

export type CallOutcome = { result: unknown } | { error: ContractErrorData };

/** Methods declared but not served, and served but not declared. */
export function servingGaps(
  contract: ContractSpec,
  served: object,
): { missing: string[]; undeclared: string[] } {
  const declared = Object.keys(contract.methods);
  const offered = Object.keys(served).filter(
    (key) => typeof (served as Record<string, unknown>)[key] === 'function',
  );
  return {
    missing: declared.filter((name) => !offered.includes(name)),
    undeclared: offered.filter((name) => !declared.includes(name)),
  };
}

/** Throws unless `service` serves exactly the contract's methods. */
export function assertServesContract(contract: ContractSpec, service: object): void {
  const { missing, undeclared } = servingGaps(contract, service);
  if (missing.length || undeclared.length) {
    throw new Error(
      `The service does not match the contract: missing ${missing.join(', ') || 'none'}; ` +
        `not declared ${undeclared.join(', ') || 'none'}.`,
    );
  }
}

/** Calls one method; never throws: the outcome is the result or the error as data. */
export async function dispatchCall<C extends ContractSpec>(
  contract: C,
  service: ServiceOf<C>,
  method: unknown,
  args: unknown,
): Promise<CallOutcome> {
  try {
    if (typeof method !== 'string' || !Object.hasOwn(contract.methods, method)) {
      throw new ContractError({
        code: 'invalid-input',
        message: `No method ${JSON.stringify(method)} in the contract.`,
      });
    }
    const parsed = parseArgs(contract.methods[method]!, method, args);
    const fn = (service as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
    return { result: await fn(...parsed) };
  } catch (err) {
    return { error: contractErrorData(err) };
  }
}
