/**
 * `flowhound --help` (and `-h`, `--help-all` without a command): the list of
 * commands, laid out here rather than by yargs, whose help layout measures
 * every cell's width with Unicode grapheme tables and costs more start-up
 * than the rest of the run. Every text here is ASCII, so a character is a
 * column. A command's own help (`flowhound analyze --help`) is yargs'.
 */
import { COMMANDS } from './commands.js';

export const SCRIPT_NAME = 'flowhound';
export const USAGE = `${SCRIPT_NAME} <command> [options]`;
export const DESCRIPTION = 'Finds port scans, covert tunnels and packet-rate spikes in pcap, pcapng, Zeek logs and CSV flow exports.';
/** [command line, what it does], `$0` standing for the script name as in yargs. */
export const TOP_LEVEL_EXAMPLES: readonly (readonly [string, string])[] = [
  ['$0 analyze capture.pcapng', 'findings in a capture, as a table'],
  ['$0 watch /opt/zeek/logs/current/ --state watch.state', 'findings as Zeek writes its logs'],
  ['$0 train logs/*.conn.log.gz --out models/nightly', "train a baseline of this network's traffic"],
];
export const HELP_ALL_DESCRIPTION = 'Show help with every option, including detector tuning';

const HELP_FLAGS = new Set(['--help', '-h', '--help-all']);

/** True when argv asks for the top-level help only (no command, nothing but help flags). */
export function asksForTopLevelHelp(argv: readonly string[]): boolean {
  return argv.length > 0 && argv.every((a) => HELP_FLAGS.has(a));
}

/** The top-level help text for a terminal `columns` wide. */
export function formatTopLevelHelp(columns: number): string {
  const width = Math.min(110, columns || 100);
  const out: string[] = [USAGE, '', ...wrap(DESCRIPTION, width), '', 'Commands:'];
  out.push(...table(COMMANDS.map((c) => [`${SCRIPT_NAME} ${c.command}`, c.describe]), width));
  out.push('', 'Options:');
  const options: [string, string][] = [
    ['    --help-all', `${HELP_ALL_DESCRIPTION}  [boolean]`],
    ['    --version', 'Show version number  [boolean]'],
    ['-h, --help', 'Show help  [boolean]'],
  ];
  out.push(...table(options, width));
  out.push('', 'Examples:');
  out.push(...table(TOP_LEVEL_EXAMPLES.map(([cmd, what]) => [cmd.replace('$0', SCRIPT_NAME), what]), width));
  return `${out.join('\n')}\n`;
}

/** Two columns indented by two spaces, the second wrapped to the width (the first on a line of its own when too wide). */
function table(rows: readonly (readonly [string, string])[], width: number): string[] {
  const left = Math.min(Math.max(...rows.map((r) => r[0].length)) + 2, Math.floor(width / 2));
  const out: string[] = [];
  for (const [a, b] of rows) {
    const text = wrap(b, Math.max(20, width - 2 - left));
    if (a.length + 2 > left) out.push(`  ${a}`, ...text.map((t) => `  ${' '.repeat(left)}${t}`));
    else out.push(...text.map((t, i) => `  ${(i === 0 ? a : '').padEnd(left)}${t}`));
  }
  return out;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
