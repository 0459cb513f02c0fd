#!/usr/bin/env -S node --max-semi-space-size=32
/**
 * flowhound's command line. Only src/cli/ touches argv, stdout, stderr and
 * exit codes. Exit codes: 0 ran, 1 runtime error, 2 usage error.
 * One module per command, each exporting a yargs CommandModule.
 *
 * The shebang gives V8 32 MB semi-spaces (the young generation; Node's
 * default is 16): capture ingest makes a few short-lived records per
 * connection, and with the larger young generation fewer of them survive
 * into the old one. Capture ingest of the 5M-packet bench capture took 9-14%
 * less CPU in three interleaved pairs; the 10M-connection SYN flood's peak RSS
 * rose from 836 to 847 MiB (`flows --no-sort`). `npm run bench` runs with the
 * same flags.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isFlowhoundError } from '../errors.js';
import { escapeControl, escapeControlKeepNewlines } from '../text/escape-control.js';
import { COMMANDS, findCommand } from './commands.js';
import { handleClosedStdout } from './stdio.js';
import { UsageError } from './usage-error.js';

async function main(argv: string[]): Promise<number> {
  // --help-all is --help with the hidden (tuning) options shown.
  if (argv.includes('--help-all') && !argv.includes('--help')) argv = [...argv, '--help'];
  const parser = yargs(argv)
    .scriptName('flowhound')
    .usage('$0 <command> [options]\n\nFinds port scans, covert tunnels and packet-rate spikes in pcap, pcapng, Zeek logs and CSV flow exports.')
    .strict()
    .demandCommand(1, `name a command: ${COMMANDS.map((c) => c.name).join(', ')}`)
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .option('help-all', { type: 'boolean', describe: 'Show help with every option, including detector tuning' })
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .example('$0 analyze capture.pcapng', 'findings in a capture, as a table')
    .example('$0 watch /opt/zeek/logs/current/ --state watch.state', 'findings as Zeek writes its logs')
    .example('$0 train logs/*.conn.log.gz --out models/nightly', "train a baseline of this network's traffic")
    .fail((msg, err) => {
      // Throwing stops yargs before the command's handler runs.
      if (err) throw err;
      throw new UsageError(`${msg}\nRun 'flowhound --help' or 'flowhound <command> --help'.`);
    });
  if (!argv.some((a) => a === '--help' || a === '-h')) skipHelpLayout(parser);
  // Only the command that runs is loaded; the others are listed by name for --help and typo suggestions.
  const chosen = findCommand(argv);
  for (const c of COMMANDS) parser.command(c === chosen ? await c.load() : { command: c.command, describe: c.describe, handler: () => undefined });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (isFlowhoundError(e)) {
      // Messages quote file names and input values: control bytes escaped; usage messages keep their line breaks.
      process.stderr.write(`flowhound: ${e.code === 'USAGE' ? escapeControlKeepNewlines(e.message) : escapeControl(e.message)}\n`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    process.stderr.write(`flowhound: internal error: ${escapeControlKeepNewlines((e as Error)?.stack ?? String(e))}\n`);
    return 1;
  }
  return process.exitCode === undefined ? 0 : Number(process.exitCode);
}

/**
 * yargs lays out a command's whole help text before running its handler
 * (its usage instance caches it, for `showHelp()` inside handlers, which
 * flowhound never calls): about half of `flowhound flows`' start-up on a
 * tiny input. When no help is asked for, that caching is skipped. This
 * reaches into yargs' internal methods (pinned at 18.2.0); if they are not
 * there, nothing changes but the start-up time.
 */
function skipHelpLayout(parser: unknown): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } };
  const usage = (parser as Internal).getInternalMethods?.().getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

handleClosedStdout();
main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`flowhound: internal error: ${escapeControlKeepNewlines((e as Error)?.stack ?? String(e))}\n`);
    process.exitCode = 1;
  },
);
