import yargs from 'yargs';
import { conformanceCommand } from '../src/cli/conformance.js';
import { readIgnoreChecksums, runZeekConformance } from '../src/conformance/zeek-conformance.js';
import { describeWithSharedData, sharedData } from './helpers/shared-data.js';

describeWithSharedData("flow tracker against Zeek's own conn.log (48 traces of zeek-conformance, shared data)", () => {
  it('matches at least 95% of the in-scope connections and agrees on conn_state for at least 90%', async () => {
    const report = await runZeekConformance(sharedData('zeek-conformance'));
    const lines = report.traces.map(
      (t) =>
        `${t.name.padEnd(62)} ${t.outOfScope ? 'out ' : '    '} zeek ${String(t.zeekRows).padStart(3)} ours ${String(t.ourRows).padStart(3)} matched ${String(t.matched).padStart(3)} conn_state ${String(t.connStateAgree).padStart(3)} history ${String(t.historyAgree).padStart(3)}${t.error ? ` error: ${t.error}` : ''}`,
    );
    const s = report.inScope;
    lines.push(`in scope: ${s.traces} traces, matched ${s.matched}/${s.zeekRows}, conn_state ${s.connStateAgree}/${s.matched}, history ${s.historyAgree}/${s.matched}`);
    lines.push(`out of scope: ${report.outOfScope.traces} traces, matched ${report.outOfScope.matched}/${report.outOfScope.zeekRows}`);
    console.log(lines.join('\n'));

    expect(report.traces).toHaveLength(48);
    expect(report.traces.filter((t) => t.error !== null)).toEqual([]);
    // Out of scope are only the traces that need tunnel decapsulation.
    expect(report.traces.filter((t) => t.outOfScope !== null).every((t) => /^core\.(tunnels\.|erspan)/.test(t.name))).toBe(true);
    expect(s.zeekRows).toBeGreaterThan(200);
    expect(s.matched / s.zeekRows).toBeGreaterThanOrEqual(0.95);
    expect(s.connStateAgree / s.matched).toBeGreaterThanOrEqual(0.9);
    // tunnel_parents: every connection inside a tunnel names the tunnels Zeek names (matched by uid).
    const tunnels = report.traces.filter((t) => t.outOfScope === null && /^core\.(tunnels\.|erspan)/.test(t.name));
    expect(tunnels.length).toBeGreaterThanOrEqual(12);
    expect(tunnels.filter((t) => t.tunnelParentsAgree !== t.matched).map((t) => t.name)).toEqual([]);
  });

  it('reads from the MANIFEST which traces Zeek ran with -C', () => {
    const dashC = readIgnoreChecksums(sharedData('zeek-conformance', 'MANIFEST.md'));
    expect(dashC.has('core.tcp.rxmit-history')).toBe(true);
    expect(dashC.has('core.tcp.bad-checksum-syn')).toBe(false);
    expect(dashC.has('core.udp-corrupt')).toBe(false);
  });

  it('flowhound conformance prints the per-trace table and the totals', async () => {
    let stdout = '';
    const real = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      stdout += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      await yargs(['conformance', sharedData('zeek-conformance')]).command(conformanceCommand).strict().parseAsync();
    } finally {
      process.stdout.write = real;
    }
    expect(stdout).toMatch(/^opt\.basic +34 +34 +34 +34 +34 /m);
    expect(stdout).toMatch(/^TOTAL in scope +\d+/m);
    expect(stdout).toMatch(/^TOTAL out of scope +\d+/m);
    expect(stdout).toMatch(/In scope: 47 traces, \d+\/\d+ Zeek connections matched/);
  });
});
