// The window's size and place, remembered between runs in a small JSON file, and brought back
// onto a screen if the display it was on is gone.
import { readFileSync, writeFileSync } from 'node:fs';

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 };
const MIN_SIZE = { width: 640, height: 400 };

function isRectangle(value: unknown): value is Rectangle {
  const r = value as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    ['x', 'y', 'width', 'height'].every((k) => Number.isFinite(r[k]))
  );
}

/**
 * Where the window opens: the saved bounds when at least a corner region of it shows on one of
 * the displays' work areas (clamped to fit it), otherwise the default size, centred by Electron.
 */
export function restoreWindowState(saved: unknown, workAreas: readonly Rectangle[]) {
  const state = saved as Partial<WindowState> | null;
  if (typeof state !== 'object' || state === null || !isRectangle(state.bounds)) {
    return { ...DEFAULT_SIZE, maximized: false };
  }
  const { bounds } = state;
  const maximized = state.maximized === true;
  // The title bar's first 100 x 40 pixels must be on a screen for the operator to grab it.
  const area = workAreas.find(
    (a) =>
      bounds.x + 100 > a.x &&
      bounds.x < a.x + a.width &&
      bounds.y + 40 > a.y &&
      bounds.y < a.y + a.height,
  );
  if (!area) return { ...DEFAULT_SIZE, maximized };
  return {
    x: bounds.x,
    y: bounds.y,
    width: Math.min(Math.max(bounds.width, MIN_SIZE.width), area.width),
    height: Math.min(Math.max(bounds.height, MIN_SIZE.height), area.height),
    maximized,
  };
}

export function readWindowState(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null; // first run, or a damaged file: the defaults do
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  writeFileSync(file, `${JSON.stringify(state)}\n`, { mode: 0o600 });
}
