#!/usr/bin/env -S node --max-semi-space-size=32 --interrupt-budget=540000
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
 * same flags. How far the old generation may grow is set at run time by the
 * heap policy of heap-growth.ts (loose while the heap is small, tight once
 * it is large), for every command.
 *
 * It also lets a function run 8 times longer than Node's default (V8's
 * interrupt budget, 66 KB of bytecode) before TurboFan optimises it. With
 * the default, many functions are optimised before their rarer branches have
 * run, deoptimise on them and are compiled again: on the bench's realistic
 * capture V8's compiler threads took about a quarter of `analyze`'s CPU
 * (437 compiles, 110 deopts). With the longer budget, 227 compiles and 38
 * deopts; `analyze --no-model` took 0.91x and 0.98x the CPU on that capture
 * (two sets of interleaved pairs, faster in 9 of 10 and 5 of 6) and 0.86x on
 * a 200k-line conn.log, and was within noise on the 2M-line logs and the
 * one-flow-per-packet capture. `flows`, with far fewer functions, sets a
 * shorter one when it starts (flows.ts).
 */
import { isFlowhoundError } from '../errors.js';
import { escapeControl, escapeControlKeepNewlines } from '../text/escape-control.js';
import { findCommand } from './commands.js';
import { parsePlainCommandLine } from './plain-command-line.js';
import { limitHeapGrowth } from '../util/heap-growth.js';
import { handleClosedStdout } from './stdio.js';
import { asksForTopLevelHelp, formatTopLevelHelp, SCRIPT_NAME } from './top-level-help.js';

async function main(argv: string[]): Promise<number> {
  if (asksForTopLevelHelp(argv)) {
    process.stdout.write(formatTopLevelHelp(process.stdout.columns));
    return 0;
  }
  try {
    // Only the command that runs is loaded. A plain command line (a command,
    // its flags and inputs) is read without yargs; help, version, usage
    // errors and anything unusual go through yargs, loaded only then.
    const chosen = findCommand(argv);
    limitHeapGrowth();
    const module = chosen ? await chosen.load() : null;
    const args = module ? parsePlainCommandLine(argv, module, SCRIPT_NAME) : null;
    if (module?.handler && args) await module.handler(args);
    else await (await import('./yargs-command-line.js')).buildYargsParser(argv, chosen, module).parseAsync();
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

handleClosedStdout();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`flowhound: internal error: ${escapeControlKeepNewlines((e as Error)?.stack ?? String(e))}\n`);
    process.exitCode = 1;
  },
);
