// `npm test`: every check and every test, in order, with one summary at the end.
//   checks      typecheck, lint, format check, build (renderer, Electron main and preload)
//   unit        pure logic, no host needed
//   integration against the real test bed (sshd, libvirtd, QEMU tiny VMs), which this script
//               installs, starts and stops
//   e2e         Playwright in Debian's Chromium against browser mode, on the same running test bed
// `--only NAME` runs one stage (several allowed); `--file PART` only the test files whose path
// contains PART.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureSystemPackages } from './bed/system-packages.js';
import { startTestbed, TESTBED_ENV, type RunningTestbed } from './bed/testbed.js';

const STAGES = ['checks', 'unit', 'integration', 'e2e'] as const;
type Stage = (typeof STAGES)[number];

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

interface StepResult extends Counts {
  name: string;
  seconds: number;
  note?: string;
}

const root = join(import.meta.dirname, '..');
const results: StepResult[] = [];

function log(line: string): void {
  process.stderr.write(`[test] ${line}\n`);
}

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...findTests(path));
    else if (entry.endsWith('.test.ts') || entry.endsWith('.test.tsx')) out.push(path);
  }
  return out.sort();
}

/** Runs a command, echoing its output, and returns its exit code and output. */
function runEcho(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      output += d.toString();
      process.stdout.write(d);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function check(name: string, script: string): Promise<void> {
  log(`${name}: npm run ${script}`);
  const started = Date.now();
  const { code } = await runEcho('npm', ['run', '--silent', script]);
  results.push({
    name,
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
    skipped: 0,
    seconds: (Date.now() - started) / 1000,
  });
}

function countsFrom(output: string): Counts | undefined {
  const get = (key: string) => {
    const m = new RegExp(`^\\S* ?${key} (\\d+)$`, 'm').exec(output);
    return m ? Number(m[1]) : undefined;
  };
  const passed = get('pass');
  const failed = get('fail');
  if (passed === undefined || failed === undefined) return undefined;
  return {
    passed,
    failed: failed + (get('cancelled') ?? 0),
    skipped: (get('skipped') ?? 0) + (get('todo') ?? 0),
  };
}

/** `--file PART` (several allowed): only test files whose path in the repository contains PART. */
let fileFilters: string[] = [];

function selectedTests(dir: string): string[] {
  return findTests(join(root, dir)).filter(
    (f) => fileFilters.length === 0 || fileFilters.some((part) => relative(root, f).includes(part)),
  );
}

async function nodeTests(name: string, dir: string, env: NodeJS.ProcessEnv, concurrency: number) {
  const files = selectedTests(dir);
  log(`${name}: ${files.length} test files in ${dir}/`);
  const started = Date.now();
  const { code, output } = await runEcho(
    process.execPath,
    [
      '--import',
      'tsx',
      // Each test file's process inherits it: an unhandled rejection fails the run, with its stack.
      '--import',
      './test/support/unhandled-rejections.ts',
      '--test',
      '--test-reporter=spec',
      `--test-concurrency=${concurrency}`,
      ...files.map((f) => relative(root, f)),
    ],
    env,
  );
  const counts = countsFrom(output) ?? { passed: 0, failed: 1, skipped: 0 };
  // A crash that the reporter did not count still fails the step.
  if (code !== 0 && counts.failed === 0) counts.failed = 1;
  results.push({ name, ...counts, seconds: (Date.now() - started) / 1000 });
}

async function systemPackages(): Promise<boolean> {
  const started = Date.now();
  try {
    await ensureSystemPackages(log);
    return true;
  } catch (err) {
    log((err as Error).message);
    results.push({
      name: 'system packages',
      passed: 0,
      failed: 1,
      skipped: 0,
      seconds: (Date.now() - started) / 1000,
      note: 'missing Debian packages; see above',
    });
    return false;
  }
}

/** Starts the test bed in the background; the checks and unit tests run meanwhile. */
function bootTestbed(stageDirs: string[]): Promise<RunningTestbed | Error> {
  log('integration: starting the test bed in the background');
  // The emulated Xen host is heavy: boot it only when a Xen test (integration or e2e) will run.
  const selected = stageDirs.flatMap((dir) => selectedTests(dir)).map((f) => relative(root, f));
  const xenHost = selected.some((f) => /xen/i.test(f));
  // A second Xen host only for Xen migration tests, the second KVM host for the other migration tests.
  const secondXenHost = selected.some((f) => /xen/i.test(f) && /migrat/i.test(f));
  const secondKvmHost = selected.some((f) => /migrat/i.test(f) && !/xen/i.test(f));
  // So is the Debian cloud image (minutes to build the first time): only for cloud-image tests.
  const cloudImage = selected.some((f) => /cloud-image/i.test(f));
  return startTestbed(log, { xenHost, secondXenHost, secondKvmHost, cloudImage }).catch(
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
}

async function integration(
  pending: Promise<RunningTestbed | Error>,
  since: number,
  stages: { integration: boolean; e2e: boolean },
): Promise<void> {
  const bed = await pending;
  if (bed instanceof Error) {
    log(`integration: the test bed could not start:\n${bed.message}`);
    results.push({
      name: 'integration (test bed)',
      passed: 0,
      failed: 1,
      skipped: 0,
      seconds: (Date.now() - since) / 1000,
      note: 'test bed failed to start; no integration test ran',
    });
    return;
  }
  log(
    `integration: test bed ready (${((Date.now() - since) / 1000).toFixed(1)} s after the run began)`,
  );
  const env = { ...process.env, [TESTBED_ENV]: bed.infoFile };
  try {
    if (stages.integration) await nodeTests('integration', 'test/integration', env, 1);
    if (stages.e2e) await nodeTests('e2e', 'test/e2e', env, 1);
  } finally {
    const removed = await bed.stop();
    log(`integration: test bed stopped; removed ${removed.length} leftovers`);
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      file: { type: 'string', multiple: true },
    },
  });
  fileFilters = values.file ?? [];
  const only = (values.only ?? []) as Stage[];
  for (const stage of only) {
    if (!STAGES.includes(stage)) {
      log(`unknown stage ${stage}; stages: ${STAGES.join(', ')}`);
      return 2;
    }
  }
  const wanted = (stage: Stage) => only.length === 0 || only.includes(stage);
  const started = Date.now();
  // The tests run on convirt.conf's defaults: neither a developer's ~/.convirt/convirt.conf nor an
  // installed /etc/convirt.conf may change what they see (a test that wants a file names it).
  process.env.CONVIRT_CONFIG ??= '/dev/null';
  // Its per-user defaults (cache_dir, log_dir) then point into a folder of this run, not into the
  // home of whoever runs the tests.
  const userDirs = mkdtempSync(join(tmpdir(), 'convirt-test-user-'));
  process.env.XDG_CACHE_HOME = join(userDirs, 'cache');
  process.env.XDG_STATE_HOME = join(userDirs, 'state');
  process.on('exit', () => rmSync(userDirs, { recursive: true, force: true }));

  // Unit tests use OpenSSH's tools too, so the packages come first.
  const needsBed = wanted('integration') || wanted('e2e');
  const packagesOk = wanted('unit') || needsBed ? await systemPackages() : true;
  const bedStages = [
    ...(wanted('integration') ? ['test/integration'] : []),
    ...(wanted('e2e') ? ['test/e2e'] : []),
  ];
  const testbed = needsBed && packagesOk ? bootTestbed(bedStages) : undefined;

  if (wanted('checks')) {
    await check('typecheck', 'typecheck');
    await check('lint', 'lint');
    await check('format', 'format:check');
    await check('build', 'build');
  }
  if (wanted('unit')) await nodeTests('unit', 'test/unit', process.env, 2);
  if (testbed) {
    await integration(testbed, started, {
      integration: wanted('integration'),
      e2e: wanted('e2e'),
    });
  }

  const total = results.reduce(
    (t, r) => ({
      passed: t.passed + r.passed,
      failed: t.failed + r.failed,
      skipped: t.skipped + r.skipped,
    }),
    { passed: 0, failed: 0, skipped: 0 },
  );
  console.log('\nSummary');
  for (const r of results) {
    const status = r.failed > 0 ? 'FAIL' : 'ok  ';
    console.log(
      `  ${status} ${r.name.padEnd(24)} ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped` +
        `  (${r.seconds.toFixed(1)} s)${r.note ? `  ${r.note}` : ''}`,
    );
  }
  console.log(`  wall time ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return total.failed > 0 ? 1 : 0;
}

process.exitCode = await main();
