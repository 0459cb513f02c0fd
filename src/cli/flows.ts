/**
 * `flowhound flows INPUT... [--json] [--dns]`: the connections of the inputs
 * as a Zeek conn.log on stdout (Zeek TSV with the full header, or Zeek JSON
 * lines with --json); with --dns the DNS records as a dns.log instead.
 * Captures go through the project's flow tracker; Zeek logs and CSV flow
 * exports are read as they are (so this also converts between formats).
 *
 * Records are sorted by ts (Zeek itself writes a line when the connection
 * ends); sorting holds the records in memory (about 300 bytes each), and
 * --no-sort writes them in connection-end order with bounded memory (a
 * capture's connections then go straight from the flow tracker's table into
 * conn.log lines, with no FlowRecord made: flow-tracker/conn-line.ts).
 * Warnings (skipped lines, truncation) and a summary go to stderr.
 */
import { setFlagsFromString } from 'node:v8';
import type { Argv, CommandModule } from 'yargs';
import type { CaptureIngestOptions } from '../ingest/capture-ingest.js';
import { createConnLogLines } from '../ingest/flow-tracker/conn-line.js';
import { DEFAULT_MAX_FLOWS } from '../ingest/flow-tracker/flow-tracker.js';
import { addCaptureStats, createPacketCounts, formatPacketCounts } from '../ingest/packet-counts.js';
import { type ReadOptions, readInputs } from '../ingest/read-input.js';
import { createZeekConnLogWriter, createZeekDnsLogWriter } from '../sink/zeek-log-writer.js';
import type { DnsRecord, FlowRecord, IngestWarning } from '../types.js';
import { recoverStdinInputs } from './stdio.js';
import { formatWarning, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { createProgressLine } from './progress.js';
import { UsageError } from './usage-error.js';

interface FlowsArgs extends InputArgs {
  inputs: string[];
  json: boolean;
  dns: boolean;
  sort: boolean;
  'max-flows': number;
  'verify-checksums': boolean;
}

/**
 * V8's interrupt budget for `flows` (bytecode a function runs between tiering checks; the shebang gives
 * analyze's 540,000, main.ts), set when the command starts, before its functions first run: flows has
 * far fewer functions than analyze, and with the longer budget they ran in the interpreter and baseline
 * code (property loads through inline-cache stubs) well into the input. `flows --no-sort` with 200,000
 * (callgrind, node --single-threaded, instructions against the shebang's budget): the first 500,000
 * packets of capture-realistic-1100000.pcap 0.88x (6.26 G vs 7.10 G; 0.90x with V8's threads as they
 * run), the first 300,000 of capture-per-packet-1000000.pcap 0.92x, conn-realistic-200000.log 0.94x.
 * Whole runs of the realistic capture (CPU, interleaved, a loaded machine): 0.948 median, faster in 7
 * of 10.
 */
const FLOWS_INTERRUPT_BUDGET = 200_000;

/** Warnings printed one per line; the rest are only counted in the summary. */
const MAX_PRINTED_WARNINGS = 50;

export const flowsCommand: CommandModule<object, FlowsArgs> = {
  command: 'flows <inputs..>',
  describe: 'Print the connections of captures or logs as a Zeek conn.log (or dns.log with --dns)',
  builder: (y: Argv) =>
    withInputOptions(y)
      .positional('inputs', { type: 'string', array: true, demandOption: true, describe: 'pcap, pcapng, Zeek log, CSV flow export, .gz, or - for stdin' })
      .option('json', { type: 'boolean', default: false, describe: 'Zeek JSON lines instead of the TSV log' })
      .option('dns', { type: 'boolean', default: false, describe: 'write the DNS records as a dns.log instead of the conn.log' })
      .option('sort', { type: 'boolean', default: true, describe: 'sort by ts (--no-sort: connection-end order, bounded memory)' })
      .option('max-flows', { type: 'number', default: DEFAULT_MAX_FLOWS, describe: 'live connections the flow tracker keeps before finishing the oldest early' })
      .option('verify-checksums', {
        type: 'boolean',
        default: false,
        describe: "check IP/TCP/UDP/ICMP checksums as Zeek does without -C (bad ones: history C, packet not counted); off by default like 'zeek -C'",
      })
      .example('$0 flows capture.pcap > conn.log', 'a Zeek-format conn.log from a capture')
      .example('$0 flows --dns --json capture.pcapng', 'the DNS queries as Zeek JSON lines') as unknown as Argv<FlowsArgs>,
  handler: async (args) => {
    const inputs = recoverStdinInputs(args.inputs, process.argv.slice(2));
    if (inputs.length === 0) throw new UsageError('name at least one INPUT (a capture, a Zeek log, a CSV flow export, or - for stdin)');
    const maxFlows = args['max-flows'];
    if (!Number.isInteger(maxFlows) || maxFlows < 1) throw new UsageError(`--max-flows must be a whole number ≥ 1, got ${maxFlows}`);
    setFlagsFromString(`--interrupt-budget=${FLOWS_INTERRUPT_BUDGET}`);
    const startMs = Date.now();
    const progress = createProgressLine({ unit: args.dns ? 'DNS records' : 'connections' });
    let warnings = 0;
    const packets = createPacketCounts();
    const onWarning = (w: IngestWarning) => {
      warnings++;
      if (warnings > MAX_PRINTED_WARNINGS) return;
      progress.done();
      process.stderr.write(`flowhound: warning: ${formatWarning(w)}\n`);
    };
    const options: ReadOptions & CaptureIngestOptions = {
      ...toReadOptions(args, onWarning),
      onProgress: (name, bytesRead, sizeBytes) => progress.onRead(name, bytesRead, sizeBytes),
      // Per-second packet counts (PacketTicks) and ICMP echoes feed the detectors and the windows, not a conn.log.
      // DnsRecords only for the dns.log; a conn.log needs DNS parsed only for each connection's service and roles.
      flowTracker: { maxFlows, verifyChecksums: args['verify-checksums'], ticks: false, echoes: false, dnsRecords: args.dns },
      onCaptureStats: (st) => addCaptureStats(packets, st),
    };
    const format = args.json ? 'json' : 'tsv';
    let written = 0;
    try {
      if (args.dns) {
        const writer = createZeekDnsLogWriter(process.stdout, { format });
        const held: DnsRecord[] = [];
        for await (const batch of readInputs(inputs, options)) {
          progress.addRecords(batch.dns.length);
          if (args.sort) held.push(...batch.dns);
          else await writer.write(batch.dns);
          written += batch.dns.length;
        }
        progress.done();
        if (args.sort) await writer.write(held.sort((a, b) => a.ts - b.ts));
        await writer.close();
      } else {
        const writer = createZeekConnLogWriter(process.stdout, { format });
        const held: FlowRecord[] = [];
        // Written as they end, in TSV: a capture's connections are encoded by the flow tracker straight into
        // conn.log lines (conn-line.ts), with no FlowRecord made; the lines of a batch come before its records.
        const connLog = !args.sort && format === 'tsv' ? createConnLogLines() : undefined;
        if (connLog !== undefined && options.flowTracker !== undefined) options.flowTracker.connLog = connLog;
        for await (const batch of readInputs(inputs, options)) {
          if (connLog !== undefined && connLog.count > 0) {
            progress.addRecords(connLog.count);
            written += connLog.count;
            connLog.count = 0;
            await writer.writeLines(connLog.lines);
          }
          progress.addRecords(batch.flows.length);
          if (args.sort) {
            for (const f of batch.flows) held.push(f);
          } else await writer.write(batch.flows);
          written += batch.flows.length;
        }
        progress.done();
        if (args.sort) await writer.write(held.sort((a, b) => a.ts - b.ts));
        await writer.close();
      }
    } finally {
      progress.done();
    }
    const elapsedSec = (Date.now() - startMs) / 1000;
    const more = warnings > MAX_PRINTED_WARNINGS ? ` (${warnings - MAX_PRINTED_WARNINGS} not shown)` : '';
    process.stderr.write(
      `flowhound flows: ${written} ${args.dns ? 'DNS records' : 'connections'} from ${inputs.length} input${inputs.length === 1 ? '' : 's'} in ${elapsedSec.toFixed(2)} s; ${warnings} warning${warnings === 1 ? '' : 's'}${more}${packets.captures > 0 ? `; packets ${formatPacketCounts(packets)}` : ''}\n`,
    );
  },
};

