/**
 * The registry of commands: one module per command under src/cli/, loaded
 * only when that command runs (`flowhound flows` never imports TensorFlow.js,
 * Arrow or the detectors). `flowhound --help` lists every command from the
 * names and descriptions here without loading any module.
 */
import type { CommandModule } from 'yargs';

export interface CommandEntry {
  /** The command's name, its first word on the command line. */
  name: string;
  /** yargs' command string (name and positionals). */
  command: string;
  describe: string;
  // biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
  load: () => Promise<CommandModule<any, any>>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'analyze',
    command: 'analyze <inputs..>',
    describe: 'Find scans, DNS/ICMP tunnels, rate spikes, policy violations and baseline deviations in captures and logs',
    load: async () => (await import('./analyze.js')).analyzeCommand,
  },
  {
    name: 'flows',
    command: 'flows <inputs..>',
    describe: 'Print the connections of captures or logs as a Zeek conn.log (or dns.log with --dns)',
    load: async () => (await import('./flows.js')).flowsCommand,
  },
  {
    name: 'features',
    command: 'features <inputs..>',
    describe: 'Write per-port feature windows as an Arrow IPC file (readable by pyarrow, polars, DuckDB)',
    load: async () => (await import('./features.js')).featuresCommand,
  },
  {
    name: 'train',
    command: 'train <inputs..>',
    describe: 'Train the baseline model (dense autoencoder and/or LSTM) from captures, logs or Arrow feature files',
    load: async () => (await import('./train.js')).trainCommand,
  },
  { name: 'model', command: 'model <command>', describe: 'Inspect model folders', load: async () => (await import('./model.js')).modelCommand },
  {
    name: 'conformance',
    command: 'conformance <dir>',
    describe: "Compare the flow tracker with Zeek's own conn.log on a folder of (trace, conn.log) pairs",
    load: async () => (await import('./conformance.js')).conformanceCommand,
  },
  {
    name: 'watch',
    command: 'watch [target]',
    describe: 'Follow a growing Zeek log (file, log directory such as current/, or - for stdin) and print findings as they happen',
    load: async () => (await import('./watch.js')).watchCommand,
  },
  {
    name: 'ship',
    command: 'ship [target]',
    describe: 'Publish the records of a followed Zeek log (file, log directory or -) or a capture to NATS JetStream, partitioned for scale-out workers',
    load: async () => (await import('./ship.js')).shipCommand,
  },
  {
    name: 'findings',
    command: 'findings',
    describe: 'Read the findings of scale-out workers from the NATS JetStream findings stream, as a table, JSON lines, EVE or a webhook',
    load: async () => (await import('./findings.js')).findingsCommand,
  },
];

/** The entry of the command named on the command line (its first word that names one), or null. */
export function findCommand(argv: readonly string[]): CommandEntry | null {
  for (const a of argv) {
    const e = COMMANDS.find((c) => c.name === a);
    if (e) return e;
  }
  return null;
}
