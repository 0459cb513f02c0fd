import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_FINDINGS, recoverStdinInputs, runAnalyze, settingsFromArgs } from '../../src/cli/analyze.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { FlowhoundError } from '../../src/errors.js';

const LAB = join(process.cwd(), 'fixtures', 'lab');
const SCAN = join(LAB, 'scan-vertical.pcap');
const BENIGN = join(LAB, 'benign-1.pcap');

function io(tty = false) {
  let out = '';
  let err = '';
  return {
    io: {
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
      stdoutIsTty: tty,
    },
    out: () => out,
    err: () => err,
  };
}

function args(inputs: string[], extra: Record<string, unknown> = {}) {
  return { inputs, model: false, 'max-invalid': 25, ...extra };
}

const tmp = mkdtempSync(join(tmpdir(), 'flowhound-analyze-'));

describe('flowhound analyze', () => {
  it('writes JSON lines when stdout is not a terminal, and a run summary on stderr', async () => {
    const c = io(false);
    expect(await runAnalyze(args([SCAN]), c.io)).toBe(0);
    const lines = c.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((f) => f.kind)).toEqual(['scan.vertical']);
    expect(lines[0]).toMatchObject({ src: '10.77.0.66', dst: '10.77.0.20' });
    const err = c.err();
    expect(err).toMatch(/flowhound analyze: 1 input: .*scan-vertical.pcap/);
    expect(err).toMatch(/records: +flows \d+, dns \d+, packet ticks \d+, icmp echoes \d+/);
    expect(err).toMatch(/time span: +2026-/);
    expect(err).toMatch(/findings: +1 \(scan.vertical 1; high 1\)/);
    expect(err).toMatch(/model: +none \(--no-model\)/);
  });

  it('writes a table on a terminal, EVE alerts with --output eve', async () => {
    const t = io(true);
    await runAnalyze(args([SCAN]), t.io);
    expect(t.out()).toMatch(/^findings on \d{4}-\d\d-\d\d \(UTC\)\nTIME +SEVERITY +KIND/);
    expect(t.out()).toContain('10.77.0.66 → 10.77.0.20');
    const e = io(true);
    await runAnalyze(args([SCAN], { output: 'eve' }), e.io);
    const alert = JSON.parse(e.out().trim());
    expect(alert).toMatchObject({ event_type: 'alert', src_ip: '10.77.0.66', dest_ip: '10.77.0.20', alert: { signature_id: 9100001, severity: 1 } });
  });

  it('cuts table lines to the terminal width on a terminal, and writes them whole into a pipe', async () => {
    const summary = '1000 ports of 10.77.0.20 probed without a successful connection in 5 s';
    const t = io(true);
    await runAnalyze(args([SCAN]), { ...t.io, columns: 50 });
    const cut = t.out().trimEnd().split('\n');
    for (const l of cut) expect(l.length).toBeLessThanOrEqual(50);
    expect(cut[3]).toMatch(/^ +1000 ports of 10\.77\.0\.20 probed.*…$/);
    const p = io(false);
    await runAnalyze(args([SCAN], { output: 'table' }), { ...p.io, columns: 50 });
    const whole = p.out().trimEnd().split('\n');
    expect(whole[2]).toMatch(/ 10\.77\.0\.66 → 10\.77\.0\.20$/);
    expect(whole[3]!.trim()).toBe(summary);
    expect(p.out()).not.toContain('…');
  });

  it('exits 3 with --fail-on when a finding is at or above the severity, 0 otherwise', async () => {
    expect(await runAnalyze(args([SCAN], { 'fail-on': 'high' }), io().io)).toBe(EXIT_FINDINGS);
    expect(await runAnalyze(args([SCAN], { 'fail-on': 'critical' }), io().io)).toBe(0);
    expect(await runAnalyze(args([BENIGN], { 'fail-on': 'info' }), io().io)).toBe(0);
  });

  it('writes to --out FILE', async () => {
    const file = join(tmp, 'findings.jsonl');
    const c = io(true);
    await runAnalyze(args([SCAN], { out: file }), c.io);
    expect(c.out()).toBe('');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('takes settings from --config and lets flags override them', async () => {
    const cfg = join(tmp, 'config.yaml');
    writeFileSync(cfg, 'scan-vertical-ports: 2000\nscan-slow-vertical-ports: 2000\nrate-pps: 30\n');
    const s = settingsFromArgs({}, cfg);
    expect(s).toMatchObject({ scanVerticalPorts: 2000, ratePps: 30, scanHorizontalHosts: DEFAULT_SETTINGS.scanHorizontalHosts });
    expect(settingsFromArgs({ 'rate-pps': 50 }, cfg).ratePps).toBe(50);
    const c = io();
    await runAnalyze(args([SCAN], { config: cfg }), c.io);
    expect(c.out()).toBe('');
  });

  it('refuses a bad config file with the file, the key and the problem', async () => {
    const cfg = join(tmp, 'bad.yaml');
    writeFileSync(cfg, 'scan-vertical-ports: many\n');
    await expect(runAnalyze(args([SCAN], { config: cfg }), io().io)).rejects.toThrow(/bad.yaml: setting "scan-vertical-ports": expected a number, got "many"/);
    writeFileSync(cfg, 'scan-vertical-portz: 3\n');
    await expect(runAnalyze(args([SCAN], { config: cfg }), io().io)).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { file: cfg, key: 'scan-vertical-portz' } });
    expect(() => settingsFromArgs({ 'scan-vertical-ports': 1.5 }, undefined)).toThrow(UsageError);
  });

  it('refuses a bad rules file with the file, the rule and the reason', async () => {
    const rules = join(tmp, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - name: telnet\n    match: { service-port: telnet }\n');
    let err: unknown;
    try {
      await runAnalyze(args([SCAN], { rules }), io().io);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FlowhoundError);
    expect((err as FlowhoundError).message).toMatch(/rules.yaml: rule 1 \("telnet"\): match.service-port: expected a port/);
  });

  it('applies a rules file (added to the shipped rules)', async () => {
    const rules = join(tmp, 'http.yaml');
    writeFileSync(rules, 'rules:\n  - name: plain_http\n    severity: info\n    match: { proto: tcp, service-port: 80, established: true }\n');
    const c = io();
    await runAnalyze(args([BENIGN], { rules }), c.io);
    const kinds = c.out().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).kind);
    expect(kinds.length).toBeGreaterThan(0);
    expect(new Set(kinds)).toEqual(new Set(['policy.plain_http']));
    expect(c.err()).toMatch(/rules: +3 policy rules \(shipped \+ .*http.yaml\)/);
  });

  it('fails on a model folder that does not exist when one is named', async () => {
    await expect(runAnalyze(args([SCAN], { model: join(tmp, 'no-such-model') }), io().io)).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });

  it('does not apply the shipped lab model unasked, and still reports the rule findings', async () => {
    const c = io();
    const code = await runAnalyze({ inputs: [join(LAB, 'rate-spike.pcap')], 'max-invalid': 25 }, c.io);
    expect(code).toBe(0);
    expect(c.err()).not.toMatch(/models\/default \(backend/);
    expect(c.err()).toMatch(/model: +rules only: the input is too short for a self-baseline: its windows span \d+ s/);
    const kinds = c.out().trim().split('\n').map((l) => JSON.parse(l).kind);
    expect(kinds).toContain('rate.spike');
  });

  it('puts back a lone - (standard input) that yargs drops, in its place', () => {
    expect(recoverStdinInputs([], ['analyze', '-', '--no-model'])).toEqual(['-']);
    expect(recoverStdinInputs(['a.pcap', 'b.log'], ['analyze', 'a.pcap', '-', 'b.log'])).toEqual(['a.pcap', '-', 'b.log']);
    expect(recoverStdinInputs(['a.pcap'], ['analyze', 'a.pcap'])).toEqual(['a.pcap']);
  });

  it('refuses to run without inputs (usage error)', async () => {
    await expect(runAnalyze(args([]), io().io)).rejects.toBeInstanceOf(UsageError);
  });

  it('gives the same ids for the same input across runs', async () => {
    const a = io();
    const b = io();
    await runAnalyze(args([SCAN, BENIGN]), a.io);
    await runAnalyze(args([SCAN, BENIGN]), b.io);
    expect(a.out()).toBe(b.out());
  });
});
