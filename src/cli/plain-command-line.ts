/**
 * The arguments of a plain command line, read without yargs.
 *
 * Loading yargs (its parser, help layout, string-width's Unicode tables and
 * Intl.Segmenter) costs more CPU than `node -e 0` itself, yet most runs are
 * a command, a few flags and inputs. This reads the command's builder into
 * option specs (a recorder stands in for yargs' Argv) and parses argv into
 * the object yargs would give the handler: every key under its name, its
 * aliases and their camelCase forms, defaults filled in, `_` and `$0`.
 *
 * Anything it does not handle exactly as yargs does gives `null`, and the
 * caller runs yargs instead (with its messages): help or version asked for,
 * an unknown flag or one given twice, a missing or doubtful value (one that
 * starts with `-`, `--flag true`), a value outside its choices, a missing
 * required positional or option, `--`, grouped short flags, array options,
 * subcommands, options before the command name. test/cli/plain-command-line.test.ts
 * checks the result equals yargs' on the command lines it accepts.
 */
import type { CommandModule } from 'yargs';

interface OptionSpec {
  type?: unknown;
  default?: unknown;
  choices?: readonly unknown[];
  alias?: string | readonly string[];
  array?: boolean;
  demandOption?: unknown;
}

interface Positional {
  name: string;
  required: boolean;
  variadic: boolean;
}

/** Flags that always go to yargs. */
const YARGS_FLAGS = new Set(['--help', '-h', '--help-all', '--version']);
const PLAIN_NUMBER = /^\d+(\.\d+)?$/;

/** The handler's arguments, as yargs gives them. */
export interface PlainArgs {
  [key: string]: unknown;
  _: string[];
  $0: string;
}

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
type AnyCommand = CommandModule<any, any>;

/** The handler's arguments for `argv` (which starts with the command's name), or null to let yargs parse it. */
export function parsePlainCommandLine(argv: readonly string[], command: AnyCommand, scriptName: string): PlainArgs | null {
  if (typeof command.command !== 'string' || argv.some((a) => YARGS_FLAGS.has(a))) return null;
  const words = command.command.split(/\s+/);
  if (argv[0] !== words[0]) return null;
  const positionals = words.slice(1).map(toPositional);
  if (positionals.includes(null)) return null;
  const specs = recordOptions(command);
  if (!specs) return null;
  const byName = new Map<string, [string, OptionSpec]>();
  for (const [name, spec] of specs) for (const n of [name, ...aliasesOf(spec)]) byName.set(n, [name, spec]);
  const values = new Map<string, unknown>();
  const rest: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-' || !a.startsWith('-')) {
      rest.push(a);
      continue;
    }
    if (a === '--') return null;
    const eq = a.indexOf('=');
    const flag = eq < 0 ? a : a.slice(0, eq);
    const inline = eq < 0 ? undefined : a.slice(eq + 1);
    const name = flag.startsWith('--') ? flag.slice(2) : flag.length === 2 ? flag.slice(1) : null;
    if (name === null) return null;
    let entry = byName.get(name);
    let negated = false;
    if (!entry && name.startsWith('no-') && flag.startsWith('--') && inline === undefined) {
      entry = byName.get(name.slice(3));
      negated = true;
    }
    if (!entry) return null;
    const [key, spec] = entry;
    if (positionals.some((p) => p?.name === key)) return null;
    if (values.has(key) || spec.array) return null;
    let value: unknown;
    if (negated) value = false;
    else if (spec.type === 'boolean') {
      if (inline !== undefined) {
        if (inline !== 'true' && inline !== 'false') return null;
        value = inline === 'true';
      } else {
        const next = argv[i + 1];
        if (next === 'true' || next === 'false') return null;
        value = true;
      }
    } else {
      const raw = inline ?? argv[++i];
      if (raw === undefined || raw === '' || raw.startsWith('-')) return null;
      if (spec.type === 'number') {
        if (!PLAIN_NUMBER.test(raw)) return null;
        value = Number(raw);
      } else if (spec.type === 'string') value = raw;
      else return null;
      if (spec.choices && !spec.choices.includes(value)) return null;
    }
    values.set(key, value);
  }
  const positionalNames = new Set(positionals.map((p) => p?.name));
  for (const [name, spec] of specs) {
    if (values.has(name) || positionalNames.has(name)) continue;
    if (spec.demandOption) return null;
    if (spec.default !== undefined) values.set(name, spec.default);
  }
  if (!assignPositionals(positionals, rest, specs, values)) return null;
  const args: PlainArgs = { _: [words[0] as string], $0: scriptName };
  for (const [name, value] of values) {
    const spec = specs.get(name);
    for (const n of [name, ...(spec ? aliasesOf(spec) : [])]) {
      args[n] = value;
      args[camelCase(n)] = value;
    }
  }
  return args;
}

function assignPositionals(positionals: (Positional | null)[], rest: string[], specs: Map<string, OptionSpec>, values: Map<string, unknown>): boolean {
  let at = 0;
  for (const p of positionals as Positional[]) {
    const spec = specs.get(p.name);
    if (spec && spec.type !== 'string') return false;
    if (p.variadic) {
      const taken = rest.slice(at);
      at = rest.length;
      if (p.required && taken.length === 0) return false;
      values.set(p.name, taken);
    } else if (at < rest.length) values.set(p.name, rest[at++]);
    else if (p.required) return false;
  }
  return at === rest.length;
}

function toPositional(word: string): Positional | null {
  const m = /^([<[])([a-z][a-z0-9-]*)(\.\.)?([>\]])$/.exec(word);
  if (!m || (m[1] === '<') !== (m[4] === '>')) return null;
  return { name: m[2] as string, required: m[1] === '<', variadic: m[3] !== undefined };
}

/** The options and positionals a command's builder declares, or null when it does more than declare them. */
function recordOptions(command: AnyCommand): Map<string, OptionSpec> | null {
  const specs = new Map<string, OptionSpec>();
  const add = (name: string, spec: OptionSpec) => {
    specs.set(name, { ...specs.get(name), ...spec });
  };
  const recorder = {
    option(name: string, spec: OptionSpec) {
      add(name, spec);
      return recorder;
    },
    options(all: Record<string, OptionSpec>) {
      for (const [name, spec] of Object.entries(all)) add(name, spec);
      return recorder;
    },
    positional(name: string, spec: OptionSpec) {
      add(name, spec);
      return recorder;
    },
    example: () => recorder,
    group: () => recorder,
    epilog: () => recorder,
  };
  const { builder } = command;
  try {
    if (typeof builder === 'function') builder(recorder as never);
    else if (builder && typeof builder === 'object') recorder.options(builder as Record<string, OptionSpec>);
  } catch (e) {
    // A builder method the recorder does not have (a subcommand, a check): yargs parses.
    if (e instanceof TypeError) return null;
    throw e;
  }
  return specs;
}

function aliasesOf(spec: OptionSpec): readonly string[] {
  return spec.alias === undefined ? [] : typeof spec.alias === 'string' ? [spec.alias] : spec.alias;
}

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
