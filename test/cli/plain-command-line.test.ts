/**
 * Plain command lines are read without yargs (start-up time); the handler
 * must get what yargs would give it, and anything unusual must be left to
 * yargs. Each accepted line is parsed by both and compared whole.
 */
import type { CommandModule } from 'yargs';
import { findCommand } from '../../src/cli/commands.js';
import { parsePlainCommandLine } from '../../src/cli/plain-command-line.js';
import { recoverStdinInputs } from '../../src/cli/stdio.js';
import { buildYargsParser } from '../../src/cli/yargs-command-line.js';
import { SETTING_SPECS } from '../../src/config/settings.js';

const tuningFlag = `--${SETTING_SPECS[0]!.flag}`;

const ACCEPTED = [
  'flows a.pcap',
  'flows a.pcap b.pcapng --no-sort --json',
  'flows --dns a.pcap --max-flows 1000 --verify-checksums',
  'flows a.pcap --max-flows=7 --format pcap --max-invalid 0 --strict',
  'analyze conn.log --no-model --output jsonl --quiet',
  `analyze conn.log -q --model m --fail-on high ${tuningFlag} 20 --min-severity low --report r.html --config c.yaml`,
  'analyze conn.log --expand=false --since 2026-12-01T00:00:00Z --csv-map ts=a,origH=b',
  'features a.pcap -o w.arrow --window-sec 60',
  'train a.log --out m --kind all --epochs 3 --batch-size 64 --learning-rate 0.001 --seed 4',
  'watch conn.log --state s --exit-idle 1 --from-end --webhook-format eve --lateness 30',
  'watch',
  'conformance traces -v --json',
];

const LEFT_TO_YARGS = [
  'flows a.pcap --help',
  'flows --help-all',
  'flows',
  'flows a.pcap --bogus',
  'flows a.pcap --threads 2',
  'flows a.pcap --json true',
  'flows a.pcap --max-flows -1',
  'flows a.pcap --max-flows 1e3',
  'flows a.pcap --format nope',
  'flows a.pcap --json --json',
  'flows a.pcap -- b.pcap',
  'flows a.pcap --inputs b.pcap',
  'analyze a.log --output',
  'analyze a.log -qv',
  'watch a.log --webhook-header "A: b"',
  'watch a.log b.log',
  'model inspect m',
  'features a.pcap',
  '--format zeek flows a.pcap',
];

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
async function load(argv: string[]): Promise<CommandModule<any, any>> {
  const entry = findCommand(argv);
  if (!entry) throw new Error(`no command in ${argv.join(' ')}`);
  return entry.load();
}

async function parseWithYargs(argv: string[]): Promise<Record<string, unknown>> {
  const module = await load(argv);
  let got: Record<string, unknown> | null = null;
  const capturing = {
    ...module,
    handler: (a: Record<string, unknown>) => {
      got = a;
    },
  };
  await buildYargsParser(argv, findCommand(argv), capturing).parseAsync();
  if (!got) throw new Error('yargs ran no handler');
  return got;
}

describe('plain command lines', () => {
  it.each(ACCEPTED)('%s: the same arguments as yargs', async (line) => {
    const argv = line.split(' ');
    const plain = parsePlainCommandLine(argv, await load(argv), 'flowhound');
    expect(plain).not.toBeNull();
    expect(plain).toEqual(await parseWithYargs(argv));
  });

  it('keeps a lone - among the inputs where yargs drops it and the command puts it back', async () => {
    const argv = ['flows', 'a.pcap', '-', 'b.pcap', '--json'];
    const plain = parsePlainCommandLine(argv, await load(argv), 'flowhound');
    const viaYargs = await parseWithYargs(argv);
    expect(plain?.inputs).toEqual(['a.pcap', '-', 'b.pcap']);
    expect(recoverStdinInputs(viaYargs.inputs as string[], argv)).toEqual(plain?.inputs);
  });

  it.each(LEFT_TO_YARGS)('%s: left to yargs', async (line) => {
    const argv = line.split(' ');
    expect(parsePlainCommandLine(argv, await load(argv), 'flowhound')).toBeNull();
  });
});
