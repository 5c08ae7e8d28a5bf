// Preloaded (`node --import`) into every unit and integration test process by test/run.ts: a
// promise that rejects with nobody to handle it fails the run and is named with its stack,
// wherever it happens (in a test, between tests, after the test that started it has ended).
// node:test alone reports some of these only as a one-line diagnostic.
process.on('unhandledRejection', (reason) => {
  const text = reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
  process.stderr.write(`\nUnhandled promise rejection (this fails the run): ${text}\n`);
  process.exitCode = 1;
});
