/**
 * `flowhound ship FILE|DIR|- --nats URL`: follows Zeek logs (as `watch`
 * does) or reads a capture, and publishes the records to the JetStream
 * records stream, partitioned for the scale-out workers
 * (docs/scale-out.md). A run summary on stderr; SIGINT/SIGTERM stop it
 * after confirming what was published and saving `--state`.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { escapeControl } from '../text/escape-control.js';
import { createWarningCounter, INPUT_OPTION_NAMES, type InputArgs, toReadOptions, withInputOptions } from './input-options.js';
import { DEFAULT_PARTITIONS, NATS_OPTION, parseNatsServers, parseStreamName, STREAM_OPTION } from './scale-options.js';
import type { CommandIo } from './stdio.js';
import { UsageError } from './usage-error.js';
import { WATCH_OPTIONS } from './watch-options.js';

export type ShipArgs = InputArgs & {
  target?: string;
  nats?: string;
  stream?: string;
  partitions?: number;
  state?: string;
  'exit-idle'?: number;
  'from-end'?: boolean;
  'poll-ms'?: number;
  'state-interval-sec'?: number;
  quiet?: boolean;
};

export interface ShipIo extends CommandIo {
  signal: AbortSignal;
  stdin?: AsyncIterable<Uint8Array>;
}

export const shipCommand: CommandModule<object, ShipArgs> = {
  command: 'ship [target]',
  describe: 'Publish the records of a followed Zeek log (file, log directory or -) or a capture to NATS JetStream, partitioned for scale-out workers',
  builder: (y: Argv) =>
    withInputOptions(y)
      .positional('target', { type: 'string', describe: 'a log file to follow like tail -F, a Zeek log folder (its conn.log and dns.log), a capture, or -' })
      .options({
        nats: NATS_OPTION,
        stream: STREAM_OPTION,
        partitions: { type: 'number', default: DEFAULT_PARTITIONS, describe: 'partitions per key family when the stream is created (must match an existing stream)' },
        state: { type: 'string', describe: 'state file: positions and record numbering, so a restart resumes without duplicates' },
        'exit-idle': WATCH_OPTIONS['exit-idle'],
        'from-end': WATCH_OPTIONS['from-end'],
        'poll-ms': WATCH_OPTIONS['poll-ms'],
        'state-interval-sec': WATCH_OPTIONS['state-interval-sec'],
        quiet: { alias: 'q', type: 'boolean', describe: 'no run summary on stderr' },
      })
      .group(['nats', 'stream', 'partitions', 'state', 'from-end', 'exit-idle', 'quiet'], 'Ship options:')
      .group([...INPUT_OPTION_NAMES], 'Input options:')
      .example('$0 ship /opt/zeek/logs/current --nats nats://nats:4222 --state ship.state', 'follow conn.log and dns.log into the records stream')
      .example('$0 ship capture.pcap --nats nats://nats:4222 --exit-idle 1', 'publish a capture once') as unknown as Argv<ShipArgs>,
  handler: async (args) => {
    const target = args.target || (process.argv.slice(2).includes('-') ? '-' : undefined);
    const ac = new AbortController();
    const stop = (): void => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      const code = await runShipCommand({ ...args, ...(target !== undefined ? { target } : {}) }, { stdout: process.stdout, stderr: process.stderr, signal: ac.signal, stdin: process.stdin });
      if (code !== 0) process.exitCode = code;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (target === '-') process.stdin.destroy();
    }
  },
};

export async function runShipCommand(args: ShipArgs, io: ShipIo): Promise<number> {
  const started = performance.now();
  const target = args.target;
  if (target === undefined || target === '') throw new UsageError('name what to ship: a log file, a Zeek log directory, a capture, or - for standard input');
  const servers = parseNatsServers(args.nats);
  const stream = parseStreamName('stream', args.stream ?? 'FLOWHOUND_RECORDS');
  const partitions = args.partitions ?? 8;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 4096) throw new UsageError(`--partitions must be a whole number from 1 to 4096, got ${partitions}`);
  if (target !== '-' && !existsSync(target) && !existsSync(dirname(resolve(target)))) throw new UsageError(`${target}: neither the file nor its folder exists`);
  const statePath = args.state ?? null;
  if (statePath !== null && !existsSync(dirname(resolve(statePath)))) throw new UsageError(`--state ${statePath}: its folder does not exist`);
  const pollMs = args['poll-ms'] ?? 250;
  const stateIntervalSec = args['state-interval-sec'] ?? 5;
  const exitIdle = args['exit-idle'];
  for (const [name, v] of [['poll-ms', pollMs], ['state-interval-sec', stateIntervalSec], ['exit-idle', exitIdle ?? 1]] as const) {
    if (typeof v !== 'number' || !(v > 0)) throw new UsageError(`--${name} must be a number above 0, got ${String(v)}`);
  }
  const warnings = createWarningCounter(io.stderr, args.quiet === true);
  const read = toReadOptions(args, warnings.onWarning);
  const { openJetStreamRecordLog } = await import('../scale/jetstream-record-log.js');
  const { runShip } = await import('../scale/ship-run.js');
  const log = await openJetStreamRecordLog({ servers, stream, createPartitions: partitions });
  let result: Awaited<ReturnType<typeof runShip>>;
  try {
    result = await runShip({
      target,
      ...(io.stdin ? { stdin: io.stdin } : {}),
      read,
      log,
      statePath,
      stateIntervalSec,
      pollMs,
      exitIdleSec: exitIdle ?? null,
      startAtEnd: args['from-end'] === true,
      signal: io.signal,
      onReopen: (e) => {
        if (!args.quiet) io.stderr.write(`flowhound: ${escapeControl(e.path)}: ${e.kind === 'rotation' ? 'rotated, following the new file' : 'truncated, reading from the start'}\n`);
      },
    });
  } finally {
    await log.close();
  }
  if (!args.quiet) {
    const r = result.records;
    const s = warnings.summary();
    io.stderr.write(
      `flowhound ship: ${escapeControl(target)} → ${stream} (${log.partitions} partitions) in ${((performance.now() - started) / 1000).toFixed(1)} s\n` +
        `  records    ${r.flows} flows, ${r.dns} dns, ${r.ticks} packet ticks, ${r.echoes} echoes, ${r.arps} arp\n` +
        `  messages   ${log.publisher.stats.published} stored, ${log.publisher.stats.duplicates} already stored (de-duplicated)\n` +
        (s.warnings > 0 ? `  warnings   ${s.warnings} (${Object.entries(s.warningsByCode).map(([c, n]) => `${c} ${n}`).join(', ')})\n` : ''),
    );
  }
  if (result.failure !== null) throw result.failure;
  return 0;
}
