/** `analyze --report`, the config file's `report:`, the finding filters and the table flags, run in-process. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalyze } from '../../src/cli/analyze.js';

const LAB = join(process.cwd(), 'fixtures', 'lab');
const SCAN = join(LAB, 'scan-vertical.pcap');
const SPIKE = join(LAB, 'rate-spike.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'flowhound-report-cli-'));

function io(tty = false, extra: { columns?: number; color?: boolean } = {}) {
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
      ...extra,
    },
    out: () => out,
    err: () => err,
  };
}

const args = (inputs: string[], extra: Record<string, unknown> = {}) => ({ inputs, model: false, 'max-invalid': 25, quiet: true, ...extra });

describe('analyze --report and filters', () => {
  it('--report writes one HTML file beside the findings; the config file may name it instead', async () => {
    const file = join(tmp, 'r1.html');
    const c = io();
    expect(await runAnalyze(args([SCAN], { report: file }), c.io)).toBe(0);
    const html = readFileSync(file, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<section id="incidents">');
    expect(html).toContain('data-source="10.77.0.66"');
    expect(c.out().trim().split('\n').map((l) => JSON.parse(l).kind)).toContain('scan.vertical');
    const cfg = join(tmp, 'c.yaml');
    const fromConfig = join(tmp, 'r2.html');
    writeFileSync(cfg, `report: ${fromConfig}\nmin-severity: high\n`);
    await runAnalyze(args([SPIKE], { config: cfg }), io().io);
    expect(existsSync(fromConfig)).toBe(true);
    // rate-spike's only finding is medium: filtered out of the report too, and the summary says why.
    const r2 = readFileSync(fromConfig, 'utf8');
    expect(r2).toContain('--min-severity high');
    expect(r2).not.toContain('class="incident"');
  });

  it('--min-severity, --since and --until filter every output', async () => {
    const all = io();
    await runAnalyze(args([SCAN, SPIKE]), all.io);
    const found = all.out().trim().split('\n').map((l) => JSON.parse(l));
    expect(found.map((f) => f.kind).sort()).toEqual(['rate.spike', 'scan.vertical']);
    const high = io();
    await runAnalyze(args([SCAN, SPIKE], { 'min-severity': 'high', output: 'eve' }), high.io);
    expect(high.out().trim().split('\n').map((l) => JSON.parse(l).flowhound.kind)).toEqual(['scan.vertical']);
    const spike = found.find((f) => f.kind === 'rate.spike');
    const scan = found.find((f) => f.kind === 'scan.vertical');
    expect(scan.end).toBeLessThan(spike.end);
    // --since keeps findings still going on then: the scan ended before the spike did.
    const late = io();
    await runAnalyze(args([SCAN, SPIKE], { since: new Date(spike.end * 1000).toISOString() }), late.io);
    expect(late.out().trim().split('\n').map((l) => JSON.parse(l).kind)).toEqual(['rate.spike']);
    const early = io();
    await runAnalyze(args([SCAN, SPIKE], { until: String(spike.ts - 1) }), early.io);
    expect(early.out().trim().split('\n').map((l) => JSON.parse(l).kind)).toEqual(['scan.vertical']);
    await expect(runAnalyze(args([SCAN], { since: 'yesterday' }), io().io)).rejects.toThrow(/--since: expected seconds since the epoch or an ISO 8601 date-time/);
  });

  it('on a terminal: the incident table in colour at its width; NO_COLOR (color false) plain', async () => {
    const c = io(true, { columns: 100, color: true });
    await runAnalyze(args([SCAN, SPIKE]), c.io);
    expect(c.out()).toContain('\x1b[1;31mhigh\x1b[0m');
    for (const l of c.out().split('\n')) expect(l.replace(/\x1b\[[0-9;]*m/g, '').length).toBeLessThanOrEqual(100);
    const plain = io(true, { columns: 80, color: false });
    await runAnalyze(args([SCAN, SPIKE], { expand: true }), plain.io);
    expect(plain.out()).not.toContain('\x1b');
    expect(plain.out()).toMatch(/^findings on \d{4}-\d\d-\d\d \(UTC\)\nTIME +SEVERITY +KIND +N SOURCE → TARGET\n/);
  });
});
