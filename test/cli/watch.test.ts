import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalyze } from '../../src/cli/analyze.js';
import { runWatch, type WatchArgs, watchCommand } from '../../src/cli/watch.js';
import type { Finding } from '../../src/types.js';
import { readWatchState, writeWatchState } from '../../src/watch/watch-state.js';
import { readSpool } from '../../src/sink/webhook.js';
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
function startWatch(args: Omit<WatchArgs, 'max-invalid'> & { 'max-invalid'?: number }, stdin?: AsyncIterable<Uint8Array>): Running {
  let out = '';
  let err = '';
  const ac = new AbortController();
  running.add(ac);
  const done = runWatch(
    { model: false, lateness: 5, 'poll-ms': 10, 'idle-flush': 0, quiet: false, 'max-invalid': 25, ...args },
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
      ...(stdin ? { stdin } : {}),
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

  it('stops with an error naming the file when a followed log turns bad, without leaving the other follower polling', async () => {
    const dir = join(tmp, 'current');
    mkdirSync(dir);
    let bad = connLogHeader();
    for (let i = 0; i < 10; i++) bad += `not-a-time\tC${i}\tx\n`;
    writeFileSync(join(dir, 'conn.log'), bad);
    const run = startWatch({ target: dir, 'max-invalid': 5 });
    await expect(run.done).rejects.toMatchObject({ code: 'INPUT_TOO_MANY_INVALID', message: expect.stringContaining(join(dir, 'conn.log')) });
    expect(run.stderr()).toMatch(/flowhound watch: 1 input/);
  });

  it('--from-end skips what the file held at start and reports only new lines', async () => {
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.11.0.66', '10.11.0.20', 20).join(''));
    const run = startWatch({ target: log, 'from-end': true });
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(log, scanLines(T0 + 10, '10.11.0.77', '10.11.0.21', 20).join('') + benignLine(T0 + 400, '10.11.0.1', '10.11.0.2', 80));
    await waitFor(() => run.findings().length > 0, 'the new scan', run);
    expect(await run.stop()).toBe(0);
    expect(run.findings().map((f) => f.src)).toEqual(['10.11.0.77']);
    expect(run.stderr()).toMatch(/records: +flows 21,/);
  });

  it('refuses a bad lateness and a non-http webhook as usage errors', async () => {
    await expect(runWatch({ target: tmp, lateness: -1, 'max-invalid': 25 }, { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal })).rejects.toMatchObject({
      message: expect.stringContaining('--lateness'),
    });
    await expect(runWatch({ target: tmp, webhook: 'ftp://x', 'max-invalid': 25 }, { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal })).rejects.toMatchObject({
      message: expect.stringContaining('--webhook'),
    });
  });
});

describe('flowhound watch --state', () => {
  it('resumes after a restart: no finding reported twice, new ones reported', async () => {
    const log = join(tmp, 'conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.5.0.66', '10.5.0.20', 20).join('') + benignLine(T0 + 400, '10.5.0.1', '10.5.0.2', 80));
    const first = startWatch({ target: log, state });
    await waitFor(() => first.findings().length > 0, 'the first scan', first);
    expect(await first.stop()).toBe(0);
    const firstIds = first.findings().map((f) => f.id);
    expect(first.findings().map((f) => f.src)).toEqual(['10.5.0.66']);
    const saved = readWatchState(state)!;
    const pos = saved.files[log];
    expect(pos?.offset).toBe(readFileSync(log).length);
    expect(pos?.header).toContain('#fields\tts\tuid');
    expect(saved.emitted.map((e) => e.id)).toEqual(firstIds);

    // While it was stopped, another scan was logged.
    appendFileSync(log, scanLines(T0 + 500, '10.5.0.77', '10.5.0.21', 20).join('') + benignLine(T0 + 900, '10.5.0.1', '10.5.0.2', 80));
    const second = startWatch({ target: log, state });
    await waitFor(() => second.findings().length > 0, 'the second scan', second);
    expect(await second.stop()).toBe(0);
    expect(second.findings().map((f) => f.src)).toEqual(['10.5.0.77']);
    expect(second.stderr()).toMatch(/\(resumed\)/);
    expect(second.stderr()).toMatch(/records: +flows 21,/);
    // analyze over the whole file gives the same two ids.
    const offline = await analyzeFindings(log);
    expect(offline.map((f) => f.id).sort()).toEqual([...firstIds, ...second.findings().map((f) => f.id)].sort());
  });

  it('does not report again what a previous run emitted when the file is read from the start again', async () => {
    const log = join(tmp, 'conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.6.0.66', '10.6.0.20', 20).join('') + benignLine(T0 + 400, '10.6.0.1', '10.6.0.2', 80));
    const first = startWatch({ target: log, state });
    await waitFor(() => first.findings().length > 0, 'the scan', first);
    await first.stop();
    // The same lines again in a new file (another inode: the old one is kept under another name): read from byte 0.
    const copy = readFileSync(log);
    renameSync(log, join(tmp, 'conn.old.log'));
    writeFileSync(log, copy);
    const second = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await second.done).toBe(0);
    // The restored scan incident already reported these targets, and the emitted set knows its id.
    expect(second.findings()).toEqual([]);
  });

  /** A vertical scan from NET.0.66 in conn.log, watched with --state to its end (--exit-idle): the first run done. */
  async function scanWatchedToTheEnd(net: string): Promise<{ log: string; state: string; first: Running }> {
    const log = join(tmp, 'conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, `${net}.0.66`, `${net}.0.20`, 20).join('') + benignLine(T0 + 400, `${net}.0.1`, `${net}.0.2`, 80));
    const first = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await first.done).toBe(0);
    return { log, state, first };
  }

  it('a replay of lines already processed (state file older than the output) drops what was emitted', async () => {
    const { log, state, first } = await scanWatchedToTheEnd('10.7');
    expect(first.findings()).toHaveLength(1);
    // As after a kill before the checkpoint: positions and detectors from before the lines, the emitted set after them.
    const saved = readWatchState(state)!;
    writeWatchState(state, { ...saved, files: {}, detectors: null });
    const second = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await second.done).toBe(0);
    expect(second.findings()).toEqual([]);
    expect(second.stderr()).toMatch(/1 findings already emitted before a restart dropped/);
  });

  it('a kill between the write to stdout and the journal line: the next run prints the finding again, marked redelivered', async () => {
    const { log, state, first } = await scanWatchedToTheEnd('10.8');
    const [found] = first.findings();
    expect(found).toBeDefined();
    // As the kill leaves it: the checkpoint from before the lines, the journal with the finding's pending line only.
    const saved = readWatchState(state)!;
    writeWatchState(state, { ...saved, files: {}, detectors: null, emitted: [] });
    writeFileSync(`${state}.emitted`, `${JSON.stringify({ id: found!.id, end: found!.end, count: found!.evidence.count, pending: true })}\n`);
    const second = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await second.done).toBe(0);
    expect(second.findings()).toEqual([{ ...found, redelivered: true }]);
    // Now written: a third replay drops it.
    writeWatchState(state, { ...readWatchState(state)!, files: {}, detectors: null });
    const third = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await third.done).toBe(0);
    expect(third.findings()).toEqual([]);
  });

  it('refuses a damaged state file with STATE_INVALID naming it', async () => {
    const state = join(tmp, 'bad.state');
    writeFileSync(state, '{"version":1,"files":');
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader());
    await expect(runWatch({ target: log, state, model: false, 'max-invalid': 25 }, { stdout: { write: () => true }, stderr: { write: () => true }, signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'STATE_INVALID',
      message: expect.stringContaining('bad.state'),
    });
  });
});

describe('flowhound watch --webhook', () => {
  it('POSTs the findings it prints to a local receiver', async () => {
    const received: Finding[] = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        received.push(...(JSON.parse(Buffer.concat(parts).toString()) as Finding[]));
        res.writeHead(204);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/findings`;
      const log = join(tmp, 'conn.log');
      writeFileSync(log, connLogHeader() + scanLines(T0, '10.7.0.66', '10.7.0.20', 20).join('') + benignLine(T0 + 400, '10.7.0.1', '10.7.0.2', 80));
      const run = startWatch({ target: log, webhook: url });
      await waitFor(() => received.length > 0, 'the webhook POST', run);
      expect(await run.stop()).toBe(0);
      expect(received.map((f) => f.id)).toEqual(run.findings().map((f) => f.id));
      expect(received[0]?.kind).toBe('scan.vertical');
      expect(run.stderr()).toMatch(/webhook: +1 sent, 0 retried POSTs, 0 dropped/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('flowhound watch --webhook with --state: the spool', () => {
  it('keeps what a down receiver did not get in FILE.webhook-spool; the next run delivers it, with headers and the chosen format', async () => {
    // A port with nothing listening: connection refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const log = join(tmp, 'conn.log');
    const state = join(tmp, 'watch.state');
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.8.0.66', '10.8.0.20', 20).join('') + benignLine(T0 + 400, '10.8.0.1', '10.8.0.2', 80));
    const first = startWatch({ target: log, state, webhook: `http://127.0.0.1:${deadPort}/hook`, 'exit-idle': 0.3 });
    expect(await first.done).toBe(0);
    const printed = first.findings().map((f) => f.id);
    expect(printed.length).toBeGreaterThan(0);
    expect(first.stderr()).toMatch(new RegExp(`0 sent, .* 0 dropped \\(spool full\\), 0 refused, ${printed.length} left in the spool`));
    const spooled = readSpool(`${state}.webhook-spool`).map((f) => f.id);
    expect(spooled).toEqual(printed);

    const bodies: { auth: string | undefined; body: string }[] = [];
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        bodies.push({ auth: req.headers.authorization, body: Buffer.concat(parts).toString() });
        res.writeHead(200);
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const second = startWatch({ target: log, state, webhook: url, 'webhook-format': 'eve', 'webhook-header': ['Authorization: Bearer t0ken'], 'exit-idle': 0.3 });
      expect(await second.done).toBe(0);
      expect(second.findings()).toEqual([]); // nothing new in the file
      const delivered = bodies.flatMap((b) => b.body.trim().split('\n').map((l) => (JSON.parse(l) as { flowhound: Finding }).flowhound.id));
      expect(delivered).toEqual(printed);
      expect(bodies.every((b) => b.auth === 'Bearer t0ken')).toBe(true);
      expect(second.stderr()).toMatch(new RegExp(`${printed.length} sent, .*${printed.length} resumed from the spool, 0 left in the spool`));
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('refuses a malformed --webhook-header as a usage error', async () => {
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader());
    await expect(startWatch({ target: log, webhook: 'http://127.0.0.1:9/x', 'webhook-header': ['no colon here'] }).done).rejects.toThrow(/--webhook-header: expected 'Name: value'/);
  });
});

describe('flowhound watch DIR and -', () => {
  it('follows conn.log and a dns.log that appears later in a Zeek log directory', async () => {
    const dir = join(tmp, 'current');
    mkdirSync(dir);
    writeFileSync(join(dir, 'conn.log'), connLogHeader());
    const run = startWatch({ target: dir });
    appendFileSync(join(dir, 'conn.log'), scanLines(T0, '10.8.0.66', '10.8.0.20', 20).join(''));
    const dnsHeader = ['#separator \\x09', '#set_separator\t,', '#empty_field\t(empty)', '#unset_field\t-', '#path\tdns', '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype\tqtype_name\trcode\trcode_name\tanswers\tTTLs', '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tstring\tcount\tstring\tcount\tstring\tvector[string]\tvector[interval]', ''].join('\n');
    writeFileSync(join(dir, 'dns.log'), `${dnsHeader}${T0 + 1}.000000\tCd1\t10.8.0.5\t5353\t10.8.0.53\t53\tudp\t1\texample.com\t1\tA\t0\tNOERROR\t93.184.216.34\t300.000000\n`);
    appendFileSync(join(dir, 'conn.log'), benignLine(T0 + 400, '10.8.0.1', '10.8.0.2', 80));
    await waitFor(() => run.findings().length > 0, 'the scan', run);
    await new Promise((r) => setTimeout(r, 100));
    expect(await run.stop()).toBe(0);
    expect(run.findings().map((f) => f.kind)).toEqual(['scan.vertical']);
    expect(run.stderr()).toMatch(/records: +flows 21, dns 1,/);
    expect(run.stderr()).toContain(join(dir, 'dns.log'));
  });

  it('reads standard input as a stream and reports at its end', async () => {
    const stdin = new PassThrough();
    const run = startWatch({ target: '-' }, stdin);
    stdin.write(connLogHeader());
    for (const l of scanLines(T0, '10.9.0.66', '10.9.0.20', 20)) stdin.write(l);
    stdin.end();
    expect(await run.done).toBe(0);
    expect(run.findings().map((f) => [f.kind, f.src])).toEqual([['scan.vertical', '10.9.0.66']]);
  });
});

describe('flowhound watch --model', () => {
  it('reloads the model when its folder is replaced, and keeps it when the new one is damaged', async () => {
    const models = join(tmp, 'models');
    mkdirSync(models);
    const dir = join(models, 'nightly');
    cpSync(join(process.cwd(), 'models', 'default'), dir, { recursive: true });
    const log = join(tmp, 'conn.log');
    writeFileSync(log, connLogHeader() + benignLine(T0, '10.10.0.1', '10.10.0.2', 80));
    const run = startWatch({ target: log, model: dir, backend: 'cpu', 'model-poll-sec': 0.05 });
    await new Promise((r) => setTimeout(r, 200));
    // The model store's swap: a sibling folder renamed into place.
    const next = join(models, '.nightly.tmp');
    cpSync(join(process.cwd(), 'models', 'default'), next, { recursive: true });
    renameSync(dir, join(models, '.nightly.old'));
    renameSync(next, dir);
    await waitFor(() => /reloaded/.test(run.stderr()), 'the reload', run);
    // A damaged model: the old one stays.
    const bad = join(models, '.nightly.bad');
    cpSync(dir, bad, { recursive: true });
    writeFileSync(join(bad, 'flowhound.json'), '{ not json');
    renameSync(dir, join(models, '.nightly.old2'));
    renameSync(bad, dir);
    await waitFor(() => /reload failed, keeping the loaded model/.test(run.stderr()), 'the reload failure', run);
    appendFileSync(log, benignLine(T0 + 1, '10.10.0.1', '10.10.0.2', 80));
    await new Promise((r) => setTimeout(r, 100));
    expect(await run.stop()).toBe(0);
    expect(run.stderr()).toMatch(/1 model reloads, 1 failed/);
    expect(run.stderr()).toMatch(/records: +flows 2,/);
  });
});

describe('flowhound watch command handler', () => {
  it('SIGINT stops the watch: state saved with the pending incident, summary printed, exit code 0; the next run reports it', async () => {
    const log = join(tmp, 'conn.log');
    const state = join(tmp, 'watch.state');
    // A scan whose window has not passed yet: with --state, SIGINT keeps it open in the checkpoint for the next run.
    writeFileSync(log, connLogHeader() + scanLines(T0, '10.12.0.66', '10.12.0.20', 20).join(''));
    let out = '';
    let err = '';
    const realOut = process.stdout.write;
    const realErr = process.stderr.write;
    process.stdout.write = ((s: string | Uint8Array) => {
      out += String(s);
      return true;
    }) as typeof process.stdout.write;
    process.stderr.write = ((s: string | Uint8Array) => {
      err += String(s);
      return true;
    }) as typeof process.stderr.write;
    const before = process.exitCode;
    const sigintListeners = process.listenerCount('SIGINT');
    try {
      const handler = watchCommand.handler as (a: Record<string, unknown>) => Promise<void>;
      const done = handler({ target: log, state, model: false, lateness: 5, 'poll-ms': 10, 'idle-flush': 0, 'max-invalid': 25, _: ['watch'], $0: 'flowhound' });
      await waitFor(() => err.includes('following'), 'the start-up line');
      await new Promise((r) => setTimeout(r, 50));
      expect(out).toBe('');
      process.emit('SIGINT');
      await done;
    } finally {
      process.stdout.write = realOut;
      process.stderr.write = realErr;
    }
    expect(process.exitCode ?? 0).toBe(before ?? 0);
    expect(out).toBe('');
    expect(err).toMatch(/flowhound watch: 1 input/);
    const saved = readWatchState(state)!;
    expect(saved.files[log]?.offset).toBe(readFileSync(log).length);
    expect(saved.emitted).toEqual([]);
    expect(JSON.stringify(saved.detectors)).toContain('10.12.0.66');
    expect(process.listenerCount('SIGINT')).toBe(sigintListeners);
    // The next run resumes with the open incident and, at the end of its input, reports it.
    const next = startWatch({ target: log, state, 'exit-idle': 0.3 });
    expect(await next.done).toBe(0);
    expect(next.findings().map((f) => [f.kind, f.src])).toEqual([['scan.vertical', '10.12.0.66']]);
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
