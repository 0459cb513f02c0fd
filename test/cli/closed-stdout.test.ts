/**
 * `flowhound … | head -1`: a reader that goes away ends the run quietly
 * with status 0 (no EPIPE stack). Real child processes of the built CLI
 * (dist/, made by `npm run build` before the tests).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openEmittedJournal } from '../../src/watch/emitted-journal.js';
import { readWatchState } from '../../src/watch/watch-state.js';
import { connLogHeader, scanLines } from '../watch/conn-log-lines.js';

const MAIN = resolve('dist/cli/main.js');
const CAPTURE = resolve('fixtures/lab/rate-spike.pcap');
const T0 = 1_795_000_000;

let tmp = '';
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  tmp = mkdtempSync(join(tmpdir(), 'flowhound-epipe-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI with its stdout read end closed before it writes anything; resolves with its status and stderr. */
function runWithClosedStdout(args: string[], timeoutMs: number): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((res) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stderr, ms: Date.now() - started });
    });
  });
}

describe('a closed stdout', () => {
  it('flows X | head -1: the first line, then exit 0 without a stack (shell pipeline, pipefail)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; '${process.execPath}' '${MAIN}' flows '${CAPTURE}' | head -1`], { encoding: 'utf8' });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stdout.startsWith('#separator')).toBe(true);
    expect(r.stderr).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(r.status).toBe(0);
  });

  it('watch X | head -1: the first finding, then exit 0 without a stack (shell pipeline, pipefail)', () => {
    const log = join(tmp, 'head.conn.log');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.22.0.66', '10.22.0.20', 40).join('') + scanLines(T0 + 1000, '10.22.0.77', '10.22.0.21', 40).join(''));
    const watch = `'${process.execPath}' '${MAIN}' watch '${log}' --no-model --state '${join(tmp, 'head.state')}' --lateness 5 --poll-ms 20 --exit-idle 2`;
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${watch} | head -1`], { encoding: 'utf8' });
    expect(r.stdout.split('\n').filter((l) => l !== '')).toHaveLength(1);
    expect(r.stdout).toMatch(/"kind":"scan.vertical"/);
    expect(r.stderr).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(r.status).toBe(0);
  });

  it('flows: a reader gone before the first write ends the run with 0', async () => {
    const r = await runWithClosedStdout(['flows', CAPTURE], 60_000);
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
  });

  it('analyze --output jsonl: the same', async () => {
    const log = join(tmp, 'scan.conn.log');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.20.0.66', '10.20.0.20', 40).join(''));
    const r = await runWithClosedStdout(['analyze', log, '--no-model', '--output', 'jsonl'], 60_000);
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
  });

  it('watch: a reader gone mid-run ends it at once, not when the idle flush would fire', async () => {
    const log = join(tmp, 'idle.conn.log');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.23.0.66', '10.23.0.20', 40).join('') + scanLines(T0 + 1000, '10.23.0.77', '10.23.0.21', 40).join(''));
    // The first scan's finding is written while the input is still being pushed, with an idle flush armed for 10 minutes.
    const r = await runWithClosedStdout(['watch', log, '--no-model', '--lateness', '5', '--idle-flush', '600', '--poll-ms', '20'], 60_000);
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
  });

  it('watch: stops like SIGINT at its first finding (exit 0, no stack), having recorded nothing as emitted; the next run emits it', async () => {
    const log = join(tmp, 'watch.conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.21.0.66', '10.21.0.20', 40).join(''));
    const args = ['watch', log, '--no-model', '--state', state, '--lateness', '5', '--idle-flush', '0', '--poll-ms', '20', '--exit-idle', '1'];
    const r = await runWithClosedStdout(args, 90_000);
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
    // The finding never reached a reader: neither the state nor its journal may call it emitted.
    expect(readWatchState(state)?.emitted ?? []).toEqual([]);
    // Its journal lines: marked pending before the write, then unwritten when the write failed.
    expect(openEmittedJournal(`${state}.emitted`).read().map((e) => [e.pending === true, e.unwritten === true])).toEqual([
      [true, false],
      [false, true],
    ]);
    const again = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    const found = again.stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { kind: string; src: string; redelivered?: boolean });
    // Known not written: a new finding, not a copy.
    expect(found.map((f) => [f.src, f.redelivered])).toEqual([['10.21.0.66', undefined]]);
  });
});
