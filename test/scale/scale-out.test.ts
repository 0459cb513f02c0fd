/**
 * Scale-out end to end against a real `nats-server -js` on a free local
 * port, with the CLI as real child processes: a Zeek conn.log and dns.log
 * (scans, a DNS tunnel, a rate spike, a telnet session) shipped into 8
 * partitions and consumed by 3 workers give the findings `flowhound
 * analyze` gives on the same files, each stored once; `flowhound findings`
 * writes them as JSON lines and EVE.
 *
 * The workers of the first run are started as the Kubernetes StatefulSet
 * in deploy/ starts them (its shell line, the pod name giving the ordinal).
 *
 * Fault run: the logs are shipped in two halves; worker 1 is SIGKILLed
 * once its checkpoints cover the first half, the second half is shipped
 * while it is down, the nats-server is restarted (same store), and worker 1
 * comes back as a new process from another working folder (another
 * machine, the same worker identity). The findings are still analyze's,
 * none lost, none stored twice. A re-ship of the whole input (a shipper
 * that lost its state) adds nothing.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runFindings } from '../../src/cli/findings.js';
import { runShipCommand } from '../../src/cli/ship.js';
import { findingMsgId, readJetStreamFindings } from '../../src/scale/jetstream-findings.js';
import type { Finding } from '../../src/types.js';
import { haveNatsServer, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { makeScaleOutLogs } from './scale-out-logs.js';

if (!haveNatsServer) console.warn('SKIPPED: nats-server is not installed (apt-get install nats-server): the scale-out tests did not run');
const describeNats = haveNatsServer ? describe : describe.skip;
const MAIN = resolve('dist/cli/main.js');
const quietIo = { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal };

function analyzeFindings(dir: string): Finding[] {
  const r = spawnSync(process.execPath, [MAIN, 'analyze', join(dir, 'conn.log'), join(dir, 'dns.log'), '--no-model', '--output', 'jsonl', '--quiet'], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Finding);
}

interface Worker {
  proc: ChildProcess;
  exited: Promise<number | null>;
  stderr: string[];
}

/** Everything is shipped before these workers start: no partition has a gap to flush in. */
const TEST_FLAGS = ['--idle-flush', '1', '--exit-idle', '1', '--checkpoint-interval-sec', '0.2'];
/**
 * The fault run's idle flush: longer than the gap between the first half and
 * the second in any partition (worker 1 catching up, its kill, the second
 * ship), so that no partition reports its open incidents in between (as a
 * real gap in the input would make it, and analyze would not).
 */
const FAULT_FLAGS = ['--idle-flush', '15', '--exit-idle', '1', '--checkpoint-interval-sec', '0.2'];

function startWorker(url: string, stream: string, index: number, cwd: string, flags = FAULT_FLAGS): Worker {
  return watchWorker(spawn(process.execPath, [MAIN, 'watch', '--nats', url, '--stream', stream, '--findings-stream', `${stream}_F`, '--worker', `${index}/3`, '--no-model', ...flags], { cwd, stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** Worker `index` as the Kubernetes StatefulSet starts it: its shell line, pod name and environment (the image's paths swapped for this checkout's). */
function startManifestWorker(url: string, stream: string, index: number, cwd: string): Worker {
  const manifest = parseAllDocuments(readFileSync(resolve('deploy/kubernetes/worker-statefulset.yaml'), 'utf8'))[0]?.toJS() as {
    spec: { replicas: number; template: { spec: { containers: { command: string[]; args: string[]; env: { name: string; value: string }[] }[] } } };
  };
  const c = manifest.spec.template.spec.containers[0]!;
  const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
  expect(env.WORKERS).toBe(String(manifest.spec.replicas));
  const line = c.args[0]!.replace('/app/dist/cli/main.js', `"${MAIN}"`).replace('--model /models/nightly', '--no-model');
  const flags = ['--stream', stream, '--findings-stream', `${stream}_F`, ...TEST_FLAGS].join(' ');
  return watchWorker(
    spawn(c.command[0]!, [...c.command.slice(1), `${line} ${flags}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env, WORKERS: '3', NATS_URL: url, HOSTNAME: `flowhound-worker-${index}` } }),
  );
}

function watchWorker(proc: ChildProcess): Worker {
  const stderr: string[] = [];
  proc.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
  const exited = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  return { proc, exited, stderr };
}

async function storedMsgIds(url: string, stream: string): Promise<string[]> {
  return (await readJetStreamFindings({ servers: url, stream })).map(findingMsgId).sort();
}

/** Waits until every given consumer (a worker lane) has been handed all its partition holds and has acked it: its checkpoints cover it. */
async function waitForLanes(url: string, stream: string, consumers: string[]): Promise<void> {
  const { connect } = await import('@nats-io/transport-node');
  const { jetstreamManager } = await import('@nats-io/jetstream');
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    for (let tries = 0; tries < 300; tries++) {
      let done = 0;
      for (const c of consumers) {
        const info = await jsm.consumers.info(stream, c).catch(() => null);
        if (info !== null && info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.consumer_seq === info.delivered.consumer_seq) done++;
      }
      if (done === consumers.length) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`consumers ${consumers.join(', ')} did not read and ack their partitions within 30 s`);
  } finally {
    await nc.close();
  }
}

describeNats('scale-out on JetStream (real nats-server, CLI processes)', () => {
  let nats: TestNatsServer;
  let dir = '';
  /** analyze's findings as message ids (id, plus the count of a grown repeat), sorted. */
  let expected: string[] = [];
  let kinds: string[] = [];
  const logs = makeScaleOutLogs();
  beforeAll(async () => {
    nats = await startNatsServer();
    dir = mkdtempSync(join(tmpdir(), 'flowhound-scale-'));
    writeFileSync(join(dir, 'conn.log'), logs.conn);
    writeFileSync(join(dir, 'dns.log'), logs.dns);
    const found = analyzeFindings(dir);
    expected = found.map(findingMsgId).sort();
    kinds = [...new Set(found.map((f) => f.kind))].sort();
  }, 60_000);
  afterAll(async () => {
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('8 partitions, 3 workers: the findings of analyze, each stored once', async () => {
    // The input holds what it was made to hold (else the comparison proves little).
    expect(kinds).toEqual(['policy.risky_port', 'rate.spike', 'scan.horizontal', 'scan.vertical', 'tunnel.dns']);
    expect(await runShipCommand({ target: dir, nats: nats.url, stream: 'RA', partitions: 8, 'exit-idle': 0.3, 'max-invalid': 25, quiet: true }, quietIo)).toBe(0);
    const workers = [0, 1, 2].map((i) => startManifestWorker(nats.url, 'RA', i, dir));
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
    expect(workers[2]?.stderr.join('')).toMatch(/worker 2\/3: 8 partitions per family, lanes src\.2 src\.5 /);
    expect(await storedMsgIds(nats.url, 'RA_F')).toEqual(expected);

    // flowhound findings writes them with the existing sinks: JSON lines and EVE.
    const read = async (output: string): Promise<string[]> => {
      const lines: string[] = [];
      const out = { write: (s: string) => lines.push(...s.split('\n').filter((l) => l !== '')) > 0 };
      expect(await runFindings({ nats: nats.url, stream: 'RA_F', output, quiet: true }, { stdout: out, stderr: quietIo.stderr, signal: quietIo.signal })).toBe(0);
      return lines;
    };
    expect((await read('jsonl')).map((l) => findingMsgId(JSON.parse(l) as Finding)).sort()).toEqual(expected);
    const eve = (await read('eve')).map((l) => JSON.parse(l) as { event_type: string; flowhound: { kind: string } });
    expect(eve.map((e) => e.event_type)).toEqual(expected.map(() => 'alert'));
    expect(eve.map((e) => e.flowhound.kind).sort()).toEqual(kinds);
  }, 120_000);

  it('a worker SIGKILLed and replaced, nats-server restarted, a full re-ship: the same findings, none twice', async () => {
    const half = join(dir, 'halves');
    mkdirSync(half);
    const cut = (text: string): [string, string] => {
      const lines = text.split('\n');
      const body = lines.findIndex((l) => !l.startsWith('#'));
      const mid = body + Math.floor((lines.length - body) / 2);
      return [`${lines.slice(0, mid).join('\n')}\n`, lines.slice(mid).join('\n')];
    };
    const [conn1, conn2] = cut(logs.conn);
    const [dns1, dns2] = cut(logs.dns);
    writeFileSync(join(half, 'conn.log'), conn1);
    writeFileSync(join(half, 'dns.log'), dns1);
    const state = join(dir, 'ship.state');
    const ship = (target: string, statePath: string | undefined) =>
      runShipCommand({ target, nats: nats.url, stream: 'RB', partitions: 8, 'exit-idle': 0.3, 'max-invalid': 25, quiet: true, ...(statePath ? { state: statePath } : {}) }, quietIo);
    expect(await ship(half, state)).toBe(0);

    const workers = [0, 1, 2].map((i) => startWorker(nats.url, 'RB', i, dir));
    // Worker 1's checkpoints cover the first half: kill it before its lanes go idle.
    await waitForLanes(nats.url, 'RB', [1, 4, 7].flatMap((p) => [`RB_src_${p}`, `RB_dst_${p}`, `RB_host_${p}`]));
    workers[1]?.proc.kill('SIGKILL');
    expect(await workers[1]?.exited).toBeNull();

    // The logs grow while it is down; the shipper resumes from its state.
    writeFileSync(join(half, 'conn.log'), conn1 + conn2);
    writeFileSync(join(half, 'dns.log'), dns1 + dns2);
    expect(await ship(half, state)).toBe(0);
    // The server restarts under the other two workers, mid-run.
    expect([workers[0]?.proc.exitCode, workers[2]?.proc.exitCode]).toEqual([null, null]);
    await nats.restart();

    // Worker 1 again: a new process in another folder, as on another machine.
    const elsewhere = mkdtempSync(join(tmpdir(), 'flowhound-worker-'));
    const replacement = startWorker(nats.url, 'RB', 1, elsewhere);
    const codes = await Promise.all([workers[0]?.exited, replacement.exited, workers[2]?.exited]);
    rmSync(elsewhere, { recursive: true, force: true });
    expect(codes).toEqual([0, 0, 0]);
    expect(replacement.stderr.join('')).toMatch(/resumed after sequence [1-9]/);
    expect(await storedMsgIds(nats.url, 'RB_F')).toEqual(expected);

    // A shipper that lost its state ships everything again: nothing new is stored or found.
    expect(await ship(half, undefined)).toBe(0);
    const again = [0, 1, 2].map((i) => startWorker(nats.url, 'RB', i, dir, TEST_FLAGS));
    expect(await Promise.all(again.map((w) => w.exited))).toEqual([0, 0, 0]);
    expect(again.map((w) => w.stderr.join('')).join('')).toMatch(/records \([1-9]\d* repeated by a re-ship, dropped\)/);
    expect(await storedMsgIds(nats.url, 'RB_F')).toEqual(expected);
  }, 180_000);
});
