/**
 * Issue 17's hostile inputs, each run through the built CLI as a child
 * process with a V8 heap cap (--max-old-space-size=256), asserting the
 * documented outcome: a named warning or error with its position, the counts
 * in the run summary, the exit code, and a bounded peak RSS (the child's own
 * process.resourceUsage().maxRSS, reported at exit by a preloaded module).
 * The corpus is generated from a seed at test time (hostile-corpus.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HostileCorpus, writeHostileCorpus } from './hostile-corpus.js';

const CLI = join(process.cwd(), 'dist', 'cli', 'main.js');
const SEED = 17;
/** The heap cap given to the child, and the peak RSS it must stay under (heap + code + buffers). */
const HEAP_CAP_MB = 256;
const RSS_LIMIT_MB = 512;

let dir: string;
let corpus: HostileCorpus;
let preload: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowhound-hostile-'));
  corpus = writeHostileCorpus(dir, SEED, join(process.cwd(), 'models', 'default'));
  preload = join(dir, 'report-rss.mjs');
  writeFileSync(
    preload,
    [
      "import { writeSync } from 'node:fs';",
      "process.on('exit', () => { try { writeSync(2, '\\nHOSTILE_MAXRSS_KB=' + process.resourceUsage().maxRSS + '\\n'); } catch {} });",
      '',
    ].join('\n'),
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  maxRssMb: number;
}

function runCli(args: string[]): Run {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, '--import', preload, CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 90_000,
    maxBuffer: 64 << 20,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const m = /HOSTILE_MAXRSS_KB=(\d+)/.exec(r.stderr);
  if (!m) throw new Error(`no RSS report from the child (status ${r.status}, signal ${r.signal}): ${r.stderr.slice(0, 2000)}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/\nHOSTILE_MAXRSS_KB=\d+\n/, ''), maxRssMb: Number(m[1]) / 1024 };
}

/** No raw control byte reaches the terminal (newline and tab aside). */
function expectNoControlBytes(text: string): void {
  expect(text).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
}

function expectBounded(r: Run): void {
  expect(r.maxRssMb).toBeLessThan(RSS_LIMIT_MB);
}

describe('hostile inputs through the CLI (seeded corpus, heap capped)', () => {
  it('1 MiB of NUL bytes in a #fields name: a warning naming the line and column, counted; the other columns still read', () => {
    const r = runCli(['analyze', corpus.nulHeader, '--no-model', '--output', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/nul-header\.conn\.log:7: #fields column 11 is named "resp_\\x00/);
    expect(r.stderr).toMatch(/holds 1048576 control byte\(s\); its values are not read/);
    expect(r.stderr).toMatch(/records: +flows 29,/);
    expect(r.stderr).toMatch(/input: +1 warning \(ZEEK_BAD_FIELD_NAME 1\)/);
    expectNoControlBytes(r.stderr);
    expectBounded(r);
  });

  it('zero-length, 10- and 60-byte random frames: counted as read and not decoded, by reason, with a warning', () => {
    const r = runCli(['analyze', corpus.garbagePackets, '--no-model', '--output', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/garbage-packets\.pcap: none of its 3000 packets could be decoded/);
    const line = /packets: +read (\d+), decoded (\d+), not decoded (\d+) \(([^)]*)\), skipped (\d+)/.exec(r.stderr);
    expect(line).not.toBeNull();
    expect(Number(line![1])).toBe(3000);
    expect(Number(line![2]) + Number(line![3])).toBe(3000);
    // The zero- and 10-byte frames are shorter than an Ethernet header.
    expect(line![4]).toContain('shorter than their link header 2000');
    expect(r.stderr).toMatch(/CAPTURE_NOTHING_DECODED 1/);
    expectBounded(r);
  });

  it('a gzipped pcap of 2M zero-length records: every record counted, memory bounded', () => {
    const r = runCli(['analyze', corpus.zeroLengthGz, '--no-model', '--output', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`packets:   read ${corpus.zeroLengthCount}, decoded 0, not decoded ${corpus.zeroLengthCount} (shorter than their link header ${corpus.zeroLengthCount})`);
    expectBounded(r);
  });

  it('rules files past the cap are refused before they are parsed or built, naming the file and the setting', () => {
    const many = runCli(['analyze', corpus.goodLog, '--no-model', '--rules', corpus.rulesTooMany]);
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/rules-1001\.yaml: 1001 rules, more than the 1000 allowed \(--policy-max-rules\)/);
    const big = runCli(['analyze', corpus.goodLog, '--no-model', '--rules', corpus.rulesTooBig]);
    expect(big.code).toBe(1);
    expect(big.stderr).toMatch(/rules-100k\.yaml: the rules file .* is \d+ bytes, more than the 1024000 allowed/);
    expectBounded(big);
    // Raising the setting lets the 1001 rules load and run.
    const raised = runCli(['analyze', corpus.goodLog, '--no-model', '--rules', corpus.rulesTooMany, '--policy-max-rules', '2000', '--output', 'jsonl']);
    expect(raised.code).toBe(0);
    expect(raised.stderr).toMatch(/rules: +100[13] policy rules/);
  });

  it('control bytes in a file name, a Zeek field name, a CSV header and a #path value are escaped on stderr', () => {
    const runs = [
      runCli(['analyze', corpus.controlName, '--no-model', '--output', 'jsonl']),
      runCli(['analyze', corpus.controlCsv, '--no-model', '--output', 'jsonl']),
      runCli(['analyze', corpus.controlPath, '--no-model', '--output', 'jsonl']),
    ];
    for (const r of runs) {
      expectNoControlBytes(r.stderr);
      expect(r.stderr).toContain('\\x1b[2J\\x1b]0;pwned\\x07');
    }
    expect(runs[0]!.stderr).toMatch(/flowhound analyze: 1 input: \S*\/name\\x1b\[2J/);
    expect(runs[2]!.stderr).toMatch(/skipped 3 lines of Zeek log 'http\\x1b\[2J/);
  });

  it('a YAML alias bomb in --config or --rules is an error naming the file, not a stack trace', () => {
    for (const flag of ['--config', '--rules']) {
      const r = runCli(['analyze', corpus.goodLog, '--no-model', flag, corpus.aliasBomb]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^flowhound: .*alias-bomb\.yaml: YAML aliases expand too far/m);
      expect(r.stderr).not.toMatch(/internal error|ReferenceError|at /);
      expectBounded(r);
    }
  });

  it("model.json naming weights outside its folder is refused, naming the path", () => {
    const r = runCli(['model', 'inspect', corpus.evilModel]);
    const a = runCli(['analyze', corpus.goodLog, '--model', corpus.evilModel]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/evil-model\/model\.json: weightsManifest path "\.\.\/outside-weights\.bin" points outside the model folder; refused/);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('a truncated and a corrupt .gz are warnings with their offsets, and the other inputs are still read (--strict stops)', () => {
    const r = runCli(['analyze', corpus.truncatedGz, corpus.corruptGz, corpus.goodLog, '--no-model', '--output', 'jsonl']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/truncated\.conn\.log\.gz: gzip: gzip stream is truncated at or before compressed byte \d+ \(after \d+ decompressed bytes\)/);
    expect(r.stderr).toMatch(/corrupt\.conn\.log\.gz: gzip: incorrect data check at or before compressed byte \d+ \(after \d+ decompressed bytes\)/);
    expect(r.stderr).toMatch(/flowhound analyze: 3 inputs/);
    // The good input's 400 connections are all there, after the damaged ones.
    const flows = Number(/records: +flows (\d+)/.exec(r.stderr)![1]);
    expect(flows).toBeGreaterThanOrEqual(400);
    expect(r.stderr).toMatch(/INPUT_GZIP_DAMAGED 2/);
    const strict = runCli(['analyze', corpus.truncatedGz, corpus.goodLog, '--no-model', '--output', 'jsonl', '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^flowhound: .*truncated\.conn\.log\.gz: gzip: gzip stream is truncated at or before compressed byte \d+/m);
  });

  it('a flipped pcapng block length is a warning with its offset; the connections before it are kept', () => {
    const r = runCli(['flows', corpus.flippedPcapng]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`flipped.pcapng: byte ${corpus.flippedBlockOffset + 4}: block of type 0x6 is garbage`);
    expect(r.stderr).toMatch(/the capture is read up to there/);
    const rows = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(rows).toHaveLength(corpus.flippedConnections);
    expect(r.stderr).toMatch(/flowhound flows: 10 connections from 1 input .*1 warning; packets read 30, decoded 30, not decoded 0/);
  });

  it('conformance on a folder without (trace, conn.log) pairs is an error', () => {
    const r = runCli(['conformance', corpus.emptyConformance]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no-pairs: no \(trace, conn\.log\) pairs/);
  });
});
