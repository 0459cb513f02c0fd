/**
 * Exactly-once findings across SIGKILL (issue 15), with real child
 * processes of the built CLI (`npm run build` first): the port-scan
 * scenario's conn.log of the shared data appended in steps to a followed
 * file, rotated by rename a third of the way and by copytruncate two
 * thirds of the way, `watch --state` killed with SIGKILL at 20 seeded
 * random points and restarted each time (test/watch/crash-harness.ts).
 * The union of what all runs printed must equal what `analyze` reports on
 * the same lines, by id and final count, and no id may be printed twice
 * unless as an update with a larger count or marked `redelivered` (a run
 * killed between the write and its journal line). The same run has `--webhook` to
 * a local HTTP server that refuses (503) for the first runs, is down (port
 * closed) across a restart, then accepts: every finding arrives; an id
 * arrives again only as an update, or marked `redelivered` (with the
 * X-Flowhound-Redelivery header) when a run killed with the batch in flight
 * (the receiver took it, the spool had not noted it) sends it again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/types.js';
import { describeWithSharedData, sharedData } from '../helpers/shared-data.js';
import { finalCounts, MAIN, repeatsUnmarked, runCrashPlan } from './crash-harness.js';

/** FLOWHOUND_CRASH_SEED tries other kill points (the suite uses 15). */
const SEED = Number(process.env.FLOWHOUND_CRASH_SEED ?? 15);

function analyze(path: string): Finding[] {
  const r = spawnSync(process.execPath, [MAIN, 'analyze', path, '--no-model', '--output', 'jsonl', '--quiet'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Finding);
}

describeWithSharedData('watch --state: exactly-once findings across SIGKILL', () => {
  let dir = '';
  let lines: string[] = [];
  let offline: Finding[] = [];
  beforeAll(() => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    dir = mkdtempSync(join(tmpdir(), 'fh-crash-'));
    const text = readFileSync(sharedData('security-datasets-for-testing', '002-zeek-scenario-port-scanning', 'conn.log'), 'utf8');
    lines = text.split('\n').filter((l) => l !== '').map((l) => `${l}\n`);
    const all = join(dir, 'all.conn.log');
    writeFileSync(all, lines.join(''));
    offline = analyze(all);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('20 kills, a rename rotation and a copytruncate, a webhook receiver refusing then down across a restart then accepting: stdout and the receiver each get every finding of analyze by id and final count, none twice without an update', async () => {
    const work = mkdtempSync(join(dir, 'run-'));
    const receiver = createReceiver();
    await receiver.listen();
    const kills = 20;
    try {
      const r = await runCrashPlan(work, {
        lines,
        linesPerStep: 100,
        stepMs: 25,
        kills,
        seed: SEED,
        extraArgs: ['--webhook', receiver.url()],
        beforeStart: async (run) => {
          // Refusing (503) for the first runs, down for two runs (across the restart between them), then accepting.
          if (run === kills - 3) await receiver.close();
          if (run === kills - 1) {
            receiver.accept = true;
            await receiver.listen();
          }
        },
      });
      expect(r.killed).toBe(kills);
      expect(r.exitCodes.at(-1)).toBe(0);
      expect(offline.length).toBeGreaterThan(10);
      const expected = Object.fromEntries(finalCounts(offline));
      const printed = r.runs.flat();
      expect(Object.fromEntries(finalCounts(printed))).toEqual(expected);
      // A run killed between a finding's write to stdout and its journal line: the next run prints it again marked
      // redelivered (its pending line says it may have been written); nothing else may repeat an id.
      expect(repeatsUnmarked(printed)).toEqual([]);
      // A copy only ever follows the kill that cut its write: the last run that printed it with that count was killed,
      // and the runs since died before their replay reached it (see copiesNotFromTheKillBefore).
      expect(copiesNotFromTheKillBefore(r.runs)).toEqual([]);
      // The webhook is at-least-once: a run killed with a batch in flight (the receiver took it, the spool
      // had not noted it) sends that batch again marked redelivered; nothing else may repeat an id.
      expect(Object.fromEntries(finalCounts(receiver.findings))).toEqual(expected);
      expect(repeatsUnmarked(receiver.findings)).toEqual([]);
      // The header says the same as the findings' flags: a redelivery batch is all redelivered.
      expect(receiver.findings.filter((f) => (f.redelivered === true) !== receiver.headerOf.get(f))).toEqual([]);
      // The kills mostly hit a run that was reading; findings came out of more than one run; the receiver refused some.
      expect(r.killedWhileUp).toBeGreaterThanOrEqual(10);
      expect(r.runs.filter((found) => found.length > 0).length).toBeGreaterThanOrEqual(2);
      expect(receiver.refused).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  }, 180_000);
});

/**
 * stdout findings marked redelivered whose copy does not follow the kill
 * that cut its write. The copy's original is the last earlier run's print
 * of it (by id and count); the runs between them were killed before their
 * replay reached it, so they may have printed only what that run printed
 * before it, in the same order (a run's replay from the checkpoint re-emits
 * in order; under load a restarted run is often killed before it re-emits
 * anything). A run between them that printed anything after it, or anything
 * that run never printed, went past it without re-emitting it.
 */
function copiesNotFromTheKillBefore(runs: readonly Finding[][]): string[] {
  const bad: string[] = [];
  const key = (f: Finding): string => `${f.id} ${String(f.evidence.count)}`;
  for (let i = 1; i < runs.length; i++) {
    for (const f of runs[i]!) {
      if (f.redelivered !== true) continue;
      const k = key(f);
      let j = i - 1;
      while (j >= 0 && !runs[j]!.some((g) => key(g) === k)) j--;
      if (j < 0 || j === i - 1) continue;
      const original = runs[j]!.map(key);
      const before = new Set(original.slice(0, original.indexOf(k)));
      const between = runs.slice(j + 1, i).flat();
      if (between.some((g) => !before.has(key(g)))) bad.push(`run ${i}: ${k}`);
    }
  }
  return bad;
}

/** A webhook receiver on a fixed port once chosen: refuses (503) until `accept`, can be closed and listen again. */
function createReceiver() {
  let server: Server | null = null;
  let port = 0;
  const rec = {
    accept: false,
    refused: 0,
    findings: [] as Finding[],
    /** Per finding: whether its request had X-Flowhound-Redelivery: 1. */
    headerOf: new Map<Finding, boolean>(),
    url: () => `http://127.0.0.1:${port}/hook`,
    listen: () =>
      new Promise<void>((resolve) => {
        const srv = createServer((req, res) => {
          const parts: Buffer[] = [];
          req.on('data', (c: Buffer) => parts.push(c));
          req.on('end', () => {
            if (!rec.accept) {
              rec.refused++;
              res.writeHead(503).end();
              return;
            }
            const redelivery = req.headers['x-flowhound-redelivery'] === '1';
            for (const f of JSON.parse(Buffer.concat(parts).toString()) as Finding[]) {
              rec.findings.push(f);
              rec.headerOf.set(f, redelivery);
            }
            res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          });
        });
        server = srv;
        srv.listen(port, '127.0.0.1', () => {
          port = (srv.address() as AddressInfo).port;
          resolve();
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        const s = server;
        server = null;
        if (s === null) return resolve();
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
  return rec;
}
