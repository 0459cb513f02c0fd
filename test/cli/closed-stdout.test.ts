/**
 * `flowhound … | head -1`: a reader that goes away ends the run quietly
 * with status 0 (no EPIPE stack). Real child processes of the built CLI
 * (dist/, made by `npm run build` before the tests).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

  it('watch: stops like SIGINT at its first finding (state saved, exit 0), long before --exit-idle', async () => {
    const log = join(tmp, 'watch.conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.21.0.66', '10.21.0.20', 40).join(''));
    const r = await runWithClosedStdout(['watch', log, '--no-model', '--state', state, '--lateness', '5', '--idle-flush', '1', '--poll-ms', '20', '--exit-idle', '60'], 90_000);
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/EPIPE|internal error/);
    expect(r.code).toBe(0);
    expect(r.ms).toBeLessThan(50_000);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { files: Record<string, { offset: number }> };
    expect(saved.files[resolve(log)]?.offset).toBeGreaterThan(0);
  });
});
