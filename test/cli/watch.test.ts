import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalyze } from '../../src/cli/analyze.js';
import { runWatch, type WatchArgs } from '../../src/cli/watch.js';
import type { Finding } from '../../src/types.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';
import { benignLine, connLogClose, connLogHeader, scanLines } from '../watch/conn-log-lines.js';

interface Running {
  findings: () => Finding[];
  stderr: () => string;
  stop: () => Promise<number>;
  done: Promise<number>;
}

/** Every watch a test started: afterEach stops those a failed assertion left running. */
const running = new Set<AbortController>();

/** Runs `watch` in-process; stop() is SIGINT. */
function startWatch(args: WatchArgs): Running {
  let out = '';
  let err = '';
  const ac = new AbortController();
  running.add(ac);
  const done = runWatch(
    { model: false, lateness: 5, 'poll-ms': 10, 'idle-flush': 0, quiet: false, ...args },
    {
      stdout: {
        write(s: string) {
          out += s;
          return true;
        },
      },
      stderr: {
        write(s: string) {
          err += s;
          return true;
        },
      },
      signal: ac.signal,
    },
  );
  return {
    findings: () =>
      out
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Finding),
    stderr: () => err,
    stop: () => {
      ac.abort();
      return done;
    },
    done,
  };
}

/** Waits (polling every 10 ms, at most 10 s) until `cond` holds. */
async function waitFor(cond: () => boolean, what: string, run?: Running): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${run ? `; stderr: ${run.stderr()}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function analyzeFindings(file: string): Promise<Finding[]> {
  let out = '';
  await runAnalyze({ inputs: [file], model: false, 'max-invalid': 25, output: 'jsonl', quiet: true }, {
    stdout: {
      write(s: string) {
        out += s;
        return true;
      },
    },
    stderr: { write: () => true },
    stdoutIsTty: false,
  });
  return out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Finding);
}

const T0 = 1795330000;
let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'fh-watch-'));
});
afterEach(() => {
  for (const ac of running) ac.abort();
  running.clear();
  rmSync(tmp, { recursive: true, force: true });
});

describe('flowhound watch FILE', () => {
  it('prints the scan.vertical finding while the log grows, with the id analyze gives for the whole file', async () => {
    const log = join(tmp, 'conn.log');
    // Only the header so far: format detection must not wait for 4096 bytes.
    writeFileSync(log, connLogHeader());
    const run = startWatch({ target: log });
    appendFileSync(log, benignLine(T0, '10.1.0.7', '10.1.0.80', 80));
    const scan = scanLines(T0 + 1, '10.1.0.66', '10.1.0.20', 30);
    for (let i = 0; i < scan.length; i += 10) {
      appendFileSync(log, scan.slice(i, i + 10).join(''));
      await new Promise((r) => setTimeout(r, 15));
    }
    // The scan window (300 s of event time) passes only when later records arrive.
    appendFileSync(log, benignLine(T0 + 200, '10.1.0.7', '10.1.0.80', 80));
    await new Promise((r) => setTimeout(r, 50));
    expect(run.findings()).toEqual([]);
    appendFileSync(log, benignLine(T0 + 400, '10.1.0.7', '10.1.0.80', 80));
    await waitFor(() => run.findings().some((f) => f.kind === 'scan.vertical'), 'scan.vertical', run);
    const live = run.findings().filter((f) => f.kind === 'scan.vertical');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ src: '10.1.0.66', dst: '10.1.0.20' });
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toMatch(/flowhound watch: 1 input/);
    expect(run.stderr()).toMatch(/records: +flows 33/);
    const offline = (await analyzeFindings(log)).filter((f) => f.kind === 'scan.vertical');
    expect(offline.map((f) => f.id)).toEqual(live.map((f) => f.id));
  });

  it('--idle-flush reports an open incident when the input goes quiet, without inventing event time', async () => {
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.2.0.66', '10.2.0.20', 20).join(''));
    const run = startWatch({ target: log, 'idle-flush': 0.2 });
    await waitFor(() => run.findings().length > 0, 'the idle flush', run);
    expect(run.findings().map((f) => f.kind)).toEqual(['scan.vertical']);
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toMatch(/1 idle flushes/);
    // The flush at exit does not report it again.
    expect(run.findings()).toHaveLength(1);
    const offline = await analyzeFindings(log);
    expect(offline.map((f) => f.id)).toEqual(run.findings().map((f) => f.id));
  });

  it('counts records later than the lateness and still reports them in the summary', async () => {
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader() + benignLine(T0 + 100, '10.3.0.1', '10.3.0.2', 80) + benignLine(T0, '10.3.0.1', '10.3.0.2', 80));
    const run = startWatch({ target: log, 'exit-idle': 0.2 });
    expect(await run.done).toBe(0);
    expect(run.stderr()).toMatch(/lateness 5 s, 1 late records/);
  });

  it('follows a rotation (Zeek renames conn.log and starts a new one with a new header)', async () => {
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader() + benignLine(T0, '10.4.0.1', '10.4.0.2', 80));
    const run = startWatch({ target: log });
    await waitFor(() => /./.test(run.stderr()) || true, 'start');
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(log, connLogClose());
    renameSync(log, join(tmp, 'conn.2026-11-23-06-00-00.log'));
    writeFileSync(log, connLogHeader('2026-11-23-07-00-00') + scanLines(T0 + 10, '10.4.0.66', '10.4.0.20', 20).join('') + benignLine(T0 + 500, '10.4.0.1', '10.4.0.2', 80));
    await waitFor(() => run.findings().some((f) => f.kind === 'scan.vertical'), 'the scan in the new file', run);
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toMatch(/rotated, following the new file/);
    expect(run.stderr()).toMatch(/1 rotations/);
    expect(run.stderr()).toMatch(/flows 22/);
  });

  it('refuses a bad lateness and a non-http webhook as usage errors', async () => {
    await expect(runWatch({ target: tmp, lateness: -1 }, { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal })).rejects.toMatchObject({
      message: expect.stringContaining('--lateness'),
    });
    await expect(runWatch({ target: tmp, webhook: 'ftp://x' }, { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal })).rejects.toMatchObject({
      message: expect.stringContaining('--webhook'),
    });
  });
});

describeWithSharedData('flowhound watch on the Slips vertical-scan conn.log', () => {
  it('prints scan.vertical before the input ends, with the id analyze gives', async () => {
    const slips = readFileSync(sharedData('StratosphereLinuxIPS', 'dataset', 'port-scans', 'vertical', 'conn.log'), 'utf8').split('\n').filter((l) => l !== '');
    const log = join(tmp, 'conn.log');
    writeFileSync(log, '');
    const run = startWatch({ target: log });
    for (let i = 0; i < slips.length; i += 7) {
      appendFileSync(log, `${slips.slice(i, i + 7).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 15));
    }
    // One more ordinary connection six minutes later moves event time past the scan window.
    const last = JSON.parse(slips[slips.length - 1] as string) as Record<string, unknown>;
    const later = { ...last, ts: (last.ts as number) + 360, uid: 'Clater1', 'id.resp_p': 443, conn_state: 'SF', history: 'ShADadFf', resp_pkts: 5, resp_bytes: 1000 };
    appendFileSync(log, `${JSON.stringify(later)}\n`);
    await waitFor(() => run.findings().some((f) => f.kind === 'scan.vertical'), 'scan.vertical', run);
    const live = run.findings().filter((f) => f.kind === 'scan.vertical');
    expect(await run.stop()).toBe(0);
    const offline = (await analyzeFindings(log)).filter((f) => f.kind === 'scan.vertical');
    expect(live.length).toBeGreaterThan(0);
    expect(offline.map((f) => f.id)).toEqual(live.map((f) => f.id));
    expect(live[0]).toMatchObject({ src: '192.168.1.9', dst: '45.33.32.156' });
  });
});
