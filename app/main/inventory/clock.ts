/** Where the inventory reads the time; tests pass a fixed one. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** Every stored timestamp: ISO-8601, UTC, millisecond precision. */
export function isoNow(clock: Clock): string {
  return clock().toISOString();
}
