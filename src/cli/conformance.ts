/**
 * `flowhound conformance DIR`: runs the flow tracker on every Zeek test
 * trace under DIR (../shared/data/zeek-conformance) and prints, per trace
 * and in total, how many of Zeek's conn.log connections it matched and how
 * often conn_state, history, packet and byte counts agree
 * (src/conformance/zeek-conformance.ts says how they are matched).
 */
import { existsSync, statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { type ConformanceTotals, NO_PAIR_ERROR, runZeekConformance, type TraceConformance } from '../conformance/zeek-conformance.js';
import { FlowhoundError } from '../errors.js';
import { UsageError } from './usage-error.js';

interface ConformanceArgs {
  dir: string;
  verbose: boolean;
  json: boolean;
}

export const conformanceCommand: CommandModule<object, ConformanceArgs> = {
  command: 'conformance <dir>',
  describe: "Compare the flow tracker with Zeek's own conn.log on a folder of (trace, conn.log) pairs",
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', demandOption: true, describe: 'folder with one sub-folder per trace (trace.pcap|trace.pcapng + conn.log)' })
      .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'list the disagreeing fields and unmatched connections' })
      .option('json', { type: 'boolean', default: false, describe: 'print the whole report as JSON' })
      .example('$0 conformance zeek-traces/', "agreement with Zeek's conn.log for each (trace, conn.log) pair")
      .example('$0 conformance traces/ -v', 'also list the fields that disagree') as unknown as Argv<ConformanceArgs>,
  handler: async (args) => {
    if (!existsSync(args.dir) || !statSync(args.dir).isDirectory()) throw new UsageError(`${args.dir}: not a directory`);
    const report = await runZeekConformance(args.dir);
    // A folder without a single (trace, conn.log) pair measured nothing: "0/0 matched" with exit 0 would read as a pass.
    const paired = report.traces.filter((t) => t.error !== NO_PAIR_ERROR).length;
    if (paired === 0) {
      throw new FlowhoundError(
        'INPUT_NOT_FOUND',
        `${args.dir}: no (trace, conn.log) pairs: expected sub-folders each holding trace.pcap or trace.pcapng and Zeek's conn.log for it (${report.traces.length} sub-folder${report.traces.length === 1 ? '' : 's'} without one)`,
        { file: args.dir },
      );
    }
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return;
    }
    const out: string[] = [];
    const header = ['trace', 'zeek', 'ours', 'matched', 'conn_state', 'history', 'pkts', 'ip_bytes', 'bytes', 'missed', 'ip_proto', 'tunnel_parents'];
    const rows: string[][] = [];
    for (const t of report.traces) {
      if (t.outOfScope !== null) continue;
      rows.push([t.name + (t.error ? ` (error: ${t.error})` : '') + (t.pairedByOrder ? ' (no tuple: paired in order)' : ''), ...counts(t)]);
    }
    rows.push(['TOTAL in scope', ...totalCounts(report.inScope)]);
    out.push(formatTable(header, rows));
    out.push('');
    out.push('Out of scope (tunnel decapsulation), counted separately:');
    const outRows = report.traces.filter((t) => t.outOfScope !== null).map((t) => [t.name, ...counts(t), t.outOfScope ?? '']);
    outRows.push(['TOTAL out of scope', ...totalCounts(report.outOfScope), '']);
    out.push(formatTable([...header, 'reason'], outRows));
    out.push('');
    const s = report.inScope;
    out.push(
      `In scope: ${s.traces} traces, ${s.matched}/${s.zeekRows} Zeek connections matched (${pct(s.matched, s.zeekRows)}); ` +
        `of the matched: conn_state ${pct(s.connStateAgree, s.matched)}, history ${pct(s.historyAgree, s.matched)}, ` +
        `packets ${pct(s.pktsAgree, s.matched)}, IP bytes ${pct(s.ipBytesAgree, s.matched)}, payload bytes ${pct(s.bytesAgree, s.matched)}, ` +
        `missed bytes ${pct(s.missedBytesAgree, s.matched)}, ip_proto ${pct(s.ipProtoAgree, s.matched)}, tunnel parents ${pct(s.tunnelParentsAgree, s.matched)}; ` +
        `${s.ourRows} connections of ours.`,
    );
    if (args.verbose) {
      for (const t of report.traces) {
        if (t.mismatches.length === 0 && t.unmatchedZeek.length === 0 && t.unmatchedOurs.length === 0) continue;
        out.push('', `${t.name}${t.outOfScope ? ' (out of scope)' : ''}:`);
        for (const m of t.mismatches) out.push(`  ${m.tuple}  ${m.field}: zeek ${m.zeek}, ours ${m.ours}`);
        for (const k of t.unmatchedZeek) out.push(`  only in Zeek: ${k}`);
        for (const k of t.unmatchedOurs) out.push(`  only in ours: ${k}`);
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
  },
};

function counts(t: TraceConformance): string[] {
  return [t.zeekRows, t.ourRows, t.matched, t.connStateAgree, t.historyAgree, t.pktsAgree, t.ipBytesAgree, t.bytesAgree, t.missedBytesAgree, t.ipProtoAgree, t.tunnelParentsAgree].map(String);
}

function totalCounts(t: ConformanceTotals): string[] {
  return [
    String(t.zeekRows),
    String(t.ourRows),
    `${t.matched} (${pct(t.matched, t.zeekRows)})`,
    `${t.connStateAgree} (${pct(t.connStateAgree, t.matched)})`,
    `${t.historyAgree} (${pct(t.historyAgree, t.matched)})`,
    `${t.pktsAgree} (${pct(t.pktsAgree, t.matched)})`,
    `${t.ipBytesAgree} (${pct(t.ipBytesAgree, t.matched)})`,
    `${t.bytesAgree} (${pct(t.bytesAgree, t.matched)})`,
    `${t.missedBytesAgree} (${pct(t.missedBytesAgree, t.matched)})`,
    `${t.ipProtoAgree} (${pct(t.ipProtoAgree, t.matched)})`,
    `${t.tunnelParentsAgree} (${pct(t.tunnelParentsAgree, t.matched)})`,
  ];
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`;
}

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === cells.length - 1 && header[i] === 'reason' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
