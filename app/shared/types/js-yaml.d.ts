// The part of js-yaml 4 ConVirt uses (the package ships no type declarations).
declare module 'js-yaml' {
  export interface LoadOptions {
    filename?: string;
    schema?: unknown;
    json?: boolean;
  }
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: LoadOptions): unknown;
  export function dump(value: unknown, options?: { lineWidth?: number; noRefs?: boolean }): string;
}
