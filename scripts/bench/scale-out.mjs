#!/usr/bin/env node
// Scale-out on NATS JetStream (docs/scale-out.md): input lines per
// worker-CPU-second for 1, 2 and 4 workers against the same run's
// single-process `analyze --no-model` on the same conn.log (DESIGN.md
// "Targets": flat from 1 to 4 workers), the shipper's CPU, and the delay
// from publishing the record that completes a finding to the finding in the
// findings stream. CPU seconds are user + sys of each process (GNU time);
// workers run at the same time, their CPU summed. Needs nats-server and
// `npm run build`. FLOWHOUND_BENCH_SCALE_LINES (default 2,000,000) sets the
// size; the file is the targets bench's realistic conn.log in bench-data/.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateConnLog } from './lib/generate-conn-log.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const LINES = Number(process.env.FLOWHOUND_BENCH_SCALE_LINES ?? 2_000_000);
const PARTITIONS = 8;
const data = join(root, 'bench-data');
mkdirSync(data, { recursive: true });
const file = join(data, `conn-realistic-${LINES}.log`);
if (await generateConnLog(file, LINES, 'realistic')) console.log(`generated ${file}`);
if (spawnSync('nats-server', ['--version']).status !== 0) {
  console.log('SKIPPED: nats-server is not installed (apt-get install nats-server)');
  process.exit(0);
}

const q = (s) => `'${String(s).replace(/'/g, "'\\''")}'`;
const flowhound = (args) => `${q(process.execPath)} ${q(cli)} ${args}`;

/** Starts a shell line under GNU time; resolves with CPU seconds (user + sys) and peak RSS (MiB) when it exits. */
function timed(line) {
  const tf = join(store, `time-${Math.random().toString(36).slice(2)}`);
  const p = spawn('bash', ['-c', `/usr/bin/time -o ${q(tf)} -f '%U %S %M' bash -c ${q(line)}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => (err += d));
  return new Promise((resolve, reject) =>
    p.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${line}: exit ${code}: ${err.trim().split('\n').slice(-2).join(' ')}`));
      const [u, s, m] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
      resolve({ cpu: u + s, rssMiB: m / 1024, stderr: err });
    }),
  );
}

const freePort = () =>
  new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => res(port));
    });
  });

const store = mkdtempSync(join(tmpdir(), 'flowhound-bench-nats-'));
const port = await freePort();
const url = `nats://127.0.0.1:${port}`;
const server = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1000));
const { connect } = await import(join(root, 'node_modules', '@nats-io', 'transport-node', 'lib', 'mod.js'));
const { jetstreamManager } = await import(join(root, 'node_modules', '@nats-io', 'jetstream', 'lib', 'mod.js'));
const nc = await connect({ servers: url });
const jsm = await jetstreamManager(nc);

const fmt = (n) => Math.round(n).toLocaleString('en-US');
try {
  const analyzeOut = join(store, 'analyze.jsonl');
  const analyze = await timed(`${flowhound(`analyze ${q(file)} --no-model --output jsonl -q`)} > ${q(analyzeOut)}`);
  const { findingMsgId, readJetStreamFindings } = await import(join(root, 'dist', 'scale', 'jetstream-findings.js'));
  const expected = readFileSync(analyzeOut, 'utf8').split('\n').filter(Boolean).map((l) => findingMsgId(JSON.parse(l))).sort();
  const perCpuAnalyze = LINES / analyze.cpu;
  console.log(`conn.log: ${fmt(LINES)} lines (realistic), ${PARTITIONS} partitions, node ${process.version}`);
  console.log(`  analyze --no-model (one process, reference)  ${analyze.cpu.toFixed(2)} CPU-s  ${fmt(perCpuAnalyze)} lines/CPU-s  ${analyze.rssMiB.toFixed(0)} MiB`);
  const ship = await timed(flowhound(`ship ${q(file)} --nats ${url} --stream BENCH --partitions ${PARTITIONS} --exit-idle 0.5 -q`));
  const info = await jsm.streams.info('BENCH');
  console.log(`  ship (publish to JetStream)                  ${ship.cpu.toFixed(2)} CPU-s  ${fmt(LINES / ship.cpu)} lines/CPU-s  ${ship.rssMiB.toFixed(0)} MiB; ${fmt(info.state.messages)} messages, ${(info.state.bytes / 1e6).toFixed(0)} MB in the stream`);
  let one = null;
  for (const workers of [1, 2, 4]) {
    // Every run from the start of the stream: no checkpoints, findings to their own stream.
    await jsm.streams.delete('KV_BENCH_CHECKPOINTS').catch(() => undefined);
    const runs = await Promise.all(
      Array.from({ length: workers }, (_, i) => timed(flowhound(`watch --nats ${url} --stream BENCH --findings-stream BENCHF${workers} --worker ${i}/${workers} --no-model --idle-flush 2 --exit-idle 1 -q`))),
    );
    const cpu = runs.reduce((s, r) => s + r.cpu, 0);
    const perCpu = LINES / cpu;
    one ??= perCpu;
    const stored = (await readJetStreamFindings({ servers: url, stream: `BENCHF${workers}` })).map(findingMsgId).sort();
    const same = stored.length === expected.length && stored.every((id, i) => id === expected[i]);
    const found = `${stored.length} findings stored, ${same ? 'the same as analyze' : `NOT analyze's ${expected.length}`}`;
    console.log(
      `  ${workers} worker${workers > 1 ? 's' : ' '}                                    ${cpu.toFixed(2)} CPU-s  ${fmt(perCpu)} lines/worker-CPU-s  (${(perCpu / one).toFixed(2)}x 1 worker, ${(perCpu / perCpuAnalyze).toFixed(2)}x analyze; peak ${Math.max(...runs.map((r) => r.rssMiB)).toFixed(0)} MiB/worker; ${found})`,
    );
  }
  console.log(`  target: lines per worker-CPU-second flat from 1 to 4 workers`);
  await latency();
} finally {
  await nc.close();
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(store, { recursive: true, force: true });
}

/**
 * Delay: a worker is caught up on a stream; a vertical scan's probes are
 * published (one batch through the library's publisher), and the finding is
 * awaited on the findings subject. The delay runs from the start of that
 * publish to the finding's arrival; the worker's idle flush is set far
 * away (60 s), so a finding before it came from event time.
 */
async function latency() {
  const { openJetStreamRecordLog } = await import(join(root, 'dist', 'scale', 'jetstream-record-log.js'));
  const { routeBatch } = await import(join(root, 'dist', 'scale', 'route-records.js'));
  const { encodeRecordMessages } = await import(join(root, 'dist', 'scale', 'record-message.js'));
  const log = await openJetStreamRecordLog({ servers: url, stream: 'LAT', createPartitions: PARTITIONS });
  const flow = (ts, i, port, state) => ({
    ts, uid: `L${i}`, origH: '10.66.6.6', origP: 40000 + i, respH: '10.9.9.9', respP: port, proto: 'tcp', service: null, duration: null,
    origBytes: null, respBytes: null, connState: state, history: 'S', missedBytes: 0, origPkts: 1, origIpBytes: 44, respPkts: 0, respIpBytes: 0,
  });
  const covers = new Map();
  let ord = 0;
  const publish = async (flows) => {
    const out = [];
    for (const r of routeBatch({ flows, dns: [], ticks: [], echoes: [] }, { flows: ord, dns: 0, ticks: 0, echoes: 0, arps: 0 }, PARTITIONS)) {
      const k = `${r.family}.${r.partition}`;
      covers.set(k, encodeRecordMessages('latency', r, covers.get(k) ?? -1, out));
    }
    ord += flows.length;
    log.publisher.publish(out);
    await log.publisher.flush();
  };
  const t0 = 1795200000;
  await publish([flow(t0, 0, 443, 'SF')]);
  const worker = spawn(process.execPath, [cli, 'watch', '--nats', url, '--stream', 'LAT', '--findings-stream', 'LATF', '--worker', '0/1', '--no-model', '--idle-flush', '60'], { stdio: 'ignore' });
  const sub = nc.subscribe('LATF.findings');
  await new Promise((r) => setTimeout(r, 3000));
  const probes = Array.from({ length: 40 }, (_, i) => flow(t0 + 10 + i * 0.05, i + 1, 1000 + i, 'S0'));
  // Event time moves on past the scan so that what the detector holds becomes due.
  const after = Array.from({ length: 5 }, (_, i) => flow(t0 + 400 + i, 100 + i, 443, 'SF'));
  const start = performance.now();
  await publish([...probes, ...after]);
  const published = performance.now();
  for await (const m of sub) {
    const f = m.json();
    if (f.kind === 'scan.vertical') {
      const ms = performance.now() - start;
      console.log(`  end-to-end delay: scan probes published (${(published - start).toFixed(0)} ms to confirm) -> scan.vertical in the findings stream: ${ms.toFixed(0)} ms (idle flush 60 s away: reported on event time)`);
      break;
    }
  }
  sub.unsubscribe();
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await log.close();
}
