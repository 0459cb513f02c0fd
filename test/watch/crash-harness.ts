/**
 * The crash harness of issue 15: a Zeek conn.log appended in steps to a
 * followed file (rotated by rename once, by copytruncate once), `watch` run
 * as a real child process of the built CLI and killed with SIGKILL at
 * seeded random points (the last one after the last append), restarted
 * each time with the same --state. The last run ends by --exit-idle.
 * Returns what each run printed, in order.
 *
 * A rotation waits until a checkpoint names the file at the path: two
 * rotations before any run read the file between them would put that
 * file out of reach (it is neither the file the state names nor the one at
 * the path), as with `tail -F`. A rotation while no run is up is covered:
 * the restart finishes the file the state names where it went
 * (src/io/follow-file.ts), and kills keep landing anywhere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createSeededRandom } from '../../src/util/seeded-random.js';
import type { Finding } from '../../src/types.js';
import { readWatchState } from '../../src/watch/watch-state.js';

export const MAIN = resolve('dist/cli/main.js');

/**
 * --exit-idle (the end of input: detectors flushed) of the runs the
 * harness kills: longer than any pause of the harness (a rotation waits for
 * a checkpoint), since a run that ended there would split the input in two
 * and its findings would no longer be analyze's. The last run, started
 * after the last append and the last kill, ends by a short one.
 */
const KILLED_RUN_EXIT_IDLE_SEC = 120;
const LAST_RUN_EXIT_IDLE_SEC = 2;

export interface CrashPlan {
  /** The lines to append, in order (each ending in a newline). */
  lines: string[];
  /** Lines per append. */
  linesPerStep: number;
  /** Pause between appends, ms. */
  stepMs: number;
  kills: number;
  seed: number;
  /** Extra arguments of every watch run (--webhook …). */
  extraArgs?: string[];
  /** Called before each (re)start with its number (0 = first run), for a receiver that changes its mind. */
  beforeStart?: (run: number) => Promise<void> | void;
}

export interface CrashResult {
  /** Each run's findings in the order printed (a line torn by the kill left out). */
  runs: Finding[][];
  killed: number;
  /** Kills of a run that had started following (the rest hit it while it started). */
  killedWhileUp: number;
  /** Each run's stderr. */
  stderr: string[];
  exitCodes: (number | null)[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForCheckpointOf(log: string, state: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let named = false;
    try {
      const pos = readWatchState(state)?.files[log];
      named = pos?.identity?.ino === statSync(log).ino && pos.offset > 0;
    } catch {
      // being replaced: look again
    }
    if (named) return;
    if (Date.now() > deadline) throw new Error(`no checkpoint named ${log} within 60 s`);
    await sleep(10);
  }
}

interface Child {
  proc: ChildProcess;
  out: string;
  err: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startWatch(log: string, state: string, extra: readonly string[], exitIdleSec = KILLED_RUN_EXIT_IDLE_SEC): Child {
  const args = [MAIN, 'watch', log, '--no-model', '--state', state, '--output', 'jsonl', '--poll-ms', '20', '--idle-flush', '0', '--exit-idle', String(exitIdleSec), '--state-interval-sec', '1', ...extra];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const c: Child = { proc, out: '', err: '', exited: Promise.resolve({ code: null, signal: null }) };
  proc.stdout?.on('data', (d: Buffer) => {
    c.out += d.toString();
  });
  proc.stderr?.on('data', (d: Buffer) => {
    c.err += d.toString();
  });
  c.exited = new Promise((res) => proc.on('close', (code, signal) => res({ code, signal })));
  return c;
}

function findingsOf(out: string): Finding[] {
  const lines = out.split('\n');
  // What follows the last newline is empty, or a line torn by SIGKILL mid-write.
  lines.pop();
  return lines.map((l) => JSON.parse(l) as Finding);
}

/**
 * Runs the plan in `dir` (conn.log there; conn.log.1 after the rename,
 * conn.log.2 the copytruncate copy). Kill steps are drawn from the seed;
 * a kill comes a random 0–300 ms after its step's append, most of them
 * after the run has started following.
 */
export async function runCrashPlan(dir: string, plan: CrashPlan): Promise<CrashResult> {
  const log = join(dir, 'conn.log');
  const state = join(dir, 'watch.state');
  const random = createSeededRandom(plan.seed);
  const steps = Math.ceil(plan.lines.length / plan.linesPerStep);
  // The last kill comes after the last append; the others at random steps before.
  const killAt = new Set<number>();
  while (killAt.size < Math.min(plan.kills - 1, steps - 2)) killAt.add(1 + Math.floor(random() * (steps - 2)));
  killAt.add(steps - 1);
  const renameAt = Math.floor(steps / 3);
  const copytruncateAt = Math.floor((2 * steps) / 3);
  const result: CrashResult = { runs: [], killed: 0, killedWhileUp: 0, stderr: [], exitCodes: [] };
  writeFileSync(log, '');
  let run = 0;
  await plan.beforeStart?.(run);
  let child = startWatch(log, state, plan.extraArgs ?? []);
  // A first run without a state file starts from what the file holds when it opens it: let it open it first.
  const deadline = Date.now() + 30_000;
  while (!child.err.includes('following') && Date.now() < deadline) await sleep(10);
  const finish = async (c: Child, kill: boolean): Promise<void> => {
    if (kill) c.proc.kill('SIGKILL');
    const { code } = await c.exited;
    result.runs.push(findingsOf(c.out));
    result.stderr.push(c.err);
    result.exitCodes.push(code);
  };
  for (let step = 0; step < steps; step++) {
    // A rotation waits until a checkpoint names the file at the path (some run has read from it): of
    // two rotations before any run read the file between them, that file is followed by no one (tail -F).
    if (step === renameAt || step === copytruncateAt) await waitForCheckpointOf(log, state);
    if (step === renameAt) {
      renameSync(log, join(dir, 'conn.log.1'));
      writeFileSync(log, '');
    }
    if (step === copytruncateAt) {
      copyFileSync(log, join(dir, 'conn.log.2'));
      truncateSync(log, 0);
    }
    appendFileSync(log, plan.lines.slice(step * plan.linesPerStep, (step + 1) * plan.linesPerStep).join(''));
    await sleep(plan.stepMs);
    if (killAt.has(step)) {
      // Most kills once the run is up and reading (a random time later), some while it starts.
      if (random() < 0.8) while (!child.err.includes('following')) await sleep(5);
      await sleep(Math.floor(random() * 300));
      if (child.err.includes('following')) result.killedWhileUp++;
      await finish(child, true);
      result.killed++;
      run++;
      await plan.beforeStart?.(run);
      child = startWatch(log, state, plan.extraArgs ?? [], step === steps - 1 ? LAST_RUN_EXIT_IDLE_SEC : KILLED_RUN_EXIT_IDLE_SEC);
    }
  }
  await finish(child, false);
  return result;
}

/** The highest count reported per id. */
export function finalCounts(findings: readonly Finding[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of findings) {
    const c = typeof f.evidence.count === 'number' ? f.evidence.count : 1;
    m.set(f.id, Math.max(m.get(f.id) ?? Number.NEGATIVE_INFINITY, c));
  }
  return m;
}

/**
 * For an at-least-once receiver: reports of an id after its first that are
 * neither marked `redelivered` (a batch sent again because the sender died
 * with it in flight) nor an update with a larger count. Should be none.
 */
export function repeatsUnmarked(findings: readonly Finding[]): string[] {
  const best = new Map<string, number>();
  const bad: string[] = [];
  for (const f of findings) {
    const c = typeof f.evidence.count === 'number' ? f.evidence.count : 1;
    const prev = best.get(f.id);
    if (prev !== undefined && f.redelivered !== true && (f.update !== true || c <= prev)) bad.push(`${f.id} count ${c} (before: ${prev})${f.update === true ? ' update' : ''}`);
    best.set(f.id, Math.max(prev ?? c, c));
  }
  return bad;
}
