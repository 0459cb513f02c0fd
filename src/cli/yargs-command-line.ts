/**
 * The command line through yargs: help (laid out only when asked for),
 * `--version`, usage errors with their messages, and every command line the
 * plain reader (plain-command-line.ts) leaves to it. Imported only then:
 * loading yargs costs more than Node's own start-up.
 */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { COMMANDS, type CommandEntry } from './commands.js';
import { DESCRIPTION, HELP_ALL_DESCRIPTION, SCRIPT_NAME, TOP_LEVEL_EXAMPLES, USAGE } from './top-level-help.js';
import { UsageError } from './usage-error.js';

/**
 * The yargs parser of flowhound's command line: every command listed for
 * --help and typo suggestions, only `chosen` (already loaded as `module`)
 * with its builder and handler.
 */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export function buildYargsParser(argv: string[], chosen: CommandEntry | null, module: CommandModule<any, any> | null): Argv {
  // --help-all is --help with the hidden (tuning) options shown.
  if (argv.includes('--help-all') && !argv.includes('--help')) argv = [...argv, '--help'];
  const parser = yargs(argv)
    .scriptName(SCRIPT_NAME)
    .usage(`${USAGE.replace(SCRIPT_NAME, '$0')}\n\n${DESCRIPTION}`)
    .strict()
    .demandCommand(1, `name a command: ${COMMANDS.map((c) => c.name).join(', ')}`)
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .option('help-all', { type: 'boolean', describe: HELP_ALL_DESCRIPTION })
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .example(TOP_LEVEL_EXAMPLES as [string, string][])
    .fail((msg, err) => {
      // Throwing stops yargs before the command's handler runs.
      if (err) throw err;
      throw new UsageError(`${msg}\nRun 'flowhound --help' or 'flowhound <command> --help'.`);
    });
  if (!argv.some((a) => a === '--help' || a === '-h')) skipHelpLayout(parser);
  for (const c of COMMANDS) parser.command(c === chosen && module ? module : { command: c.command, describe: c.describe, handler: () => undefined });
  return parser;
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
