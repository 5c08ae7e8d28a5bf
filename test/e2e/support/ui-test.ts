// A Playwright scenario as node:test runs it, with a screenshot of the page saved when it fails
// (test-results/screenshots/failed-<prefix><name>.png), to see what the operator saw.
import { test, type TestContext } from 'node:test';
import type { E2eApp } from './e2e-app.js';

export type UiTest = (name: string, fn: (t: TestContext) => Promise<void>) => void;

/** `app` is read when a scenario fails: the app is started in `before`, after tests are defined. */
export function uiTestFor(app: () => E2eApp | undefined, prefix = ''): UiTest {
  return (name, fn) => {
    test(name, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        const shot = `failed-${prefix}${name.replace(/\W+/g, '-').slice(0, 60)}`;
        await app()
          ?.screenshot(shot)
          .catch(() => {});
        throw err;
      }
    });
  };
}
