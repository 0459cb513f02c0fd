import { createTableSink, truncate } from '../../src/sink/table.js';
import type { Finding } from '../../src/types.js';

function collect(): { out: { write(s: string): boolean }; text: () => string } {
  let buf = '';
  return {
    out: {
      write(s: string) {
        buf += s;
        return true;
      },
    },
    text: () => buf,
  };
}

const base: Finding = {
  id: 'f-1', ts: 1795411917.2, end: 1795411922.2, kind: 'scan.vertical', severity: 'high', confidence: 0.99,
  src: '10.77.0.66', dst: '10.77.0.20', port: null, proto: null, detector: 'rule', summary: '1000 ports of 10.77.0.20 probed without a successful connection in 5 s', evidence: {},
};
/** One nmap run: 24 hosts, one scan.vertical each, a second apart. */
const nmap: Finding[] = Array.from({ length: 24 }, (_, i) => ({ ...base, id: `f-n${i}`, ts: base.ts + i, end: base.end + i, dst: `10.77.0.${100 + i}`, severity: i === 5 ? 'critical' : 'medium', summary: `${100 + i} ports of 10.77.0.${100 + i} probed` }));
const dns: Finding = {
  ...base, id: 'f-d', ts: base.ts - 30, end: base.ts, kind: 'tunnel.dns', severity: 'high', src: '10.77.0.10', dst: '10.77.0.53', port: 53, proto: 'udp',
  summary: `629 unique names under lab.example, sample \x1b]0;pwned\x07<b>${'x'.repeat(200)}`,
};
const leak: Finding = { ...base, id: 'f-l', ts: base.ts + 100, end: base.ts + 101, kind: 'policy.data_leakage', src: '10.0.0.5', dst: '203.0.113.9', port: 2012, proto: 'tcp', summary: 'x', evidence: { portRole: 'src' } };

const visibleWidth = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '').length;

describe('table sink', () => {
  it('collapses one source\'s repeated findings into one incident row, in time order, within 80 columns', async () => {
    const c = collect();
    const s = createTableSink(c.out);
    // Arrival order is not time order.
    s.write([leak, ...nmap.slice(12)]);
    s.write([...nmap.slice(0, 12), dns]);
    await s.close();
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toBe('findings on 2026-11-23 (UTC)');
    expect(lines[1]).toMatch(/^TIME +SEVERITY +KIND +N SOURCE → TARGET$/);
    // dns (earliest), the nmap incident, the policy finding: two lines each.
    expect(lines).toHaveLength(2 + 3 * 2);
    expect(lines[2]).toMatch(/^05:31:27 high +tunnel\.dns +10\.77\.0\.10 → 10\.77\.0\.53:53\/udp$/);
    expect(lines[4]).toMatch(/^05:31:57 critical scan\.vertical +×24 10\.77\.0\.66 → 24 targets$/);
    expect(lines[5]).toContain('24 findings 05:31:57–05:32:25; worst: 105 ports of 10.77.0.105 probed');
    expect(lines[6]).toContain('10.0.0.5:2012 → 203.0.113.9/tcp');
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(80);
    // Long summaries are cut with an ellipsis; control characters are shown, not obeyed.
    expect(lines[3]!.endsWith('…')).toBe(true);
    expect(lines[3]).toContain('\\x1b]0;pwned\\x07<b>');
    expect(c.text()).not.toContain('\x1b');
  });

  it('cuts nothing with an infinite width (a file or a pipe)', async () => {
    const c = collect();
    const s = createTableSink(c.out, { width: Number.POSITIVE_INFINITY });
    s.write([dns, leak]);
    await s.close();
    expect(c.text()).not.toContain('…');
    expect(c.text()).toContain(`<b>${'x'.repeat(200)}\n`);
    expect(c.text()).toContain('10.0.0.5:2012 → 203.0.113.9/tcp\n');
  });

  it('--expand writes every finding; width and colour follow the options', async () => {
    const c = collect();
    const s = createTableSink(c.out, { expand: true, width: 100, color: true });
    s.write([...nmap, dns]);
    await s.close();
    const lines = c.text().trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 25 * 2);
    expect(lines.filter((l) => l.includes('scan.vertical'))).toHaveLength(24);
    expect(c.text()).toContain('\x1b[1;97;41mcritical\x1b[0m');
    expect(c.text()).toContain('\x1b[33mmedium\x1b[0m');
    for (const l of lines) expect(visibleWidth(l)).toBeLessThanOrEqual(100);
  });

  it('shows dates when findings span several days, and says so when there are none', async () => {
    const c = collect();
    const s = createTableSink(c.out);
    s.write([base, { ...base, id: 'f-2', ts: base.ts + 2 * 86400, end: base.end + 2 * 86400, src: '10.0.0.1' }]);
    await s.close();
    const lines = c.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\) /);
    expect(lines[1]).toMatch(/^11-23 05:31:57 high/);
    expect(lines[3]).toMatch(/^11-25 05:31:57 high/);
    const e = collect();
    const empty = createTableSink(e.out);
    await empty.close();
    expect(e.text()).toBe('no findings\n');
  });

  it('live (watch) writes rows as findings arrive', () => {
    const c = collect();
    const s = createTableSink(c.out, { live: true });
    s.write([base]);
    expect(c.text()).toMatch(/^TIME \(UTC\) +SEVERITY/);
    expect(c.text()).toContain('2026-11-23 05:31:57 high     scan.vertical');
  });

  it('truncate', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
