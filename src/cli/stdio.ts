/**
 * The command line's standard streams: the I/O a command runs against (so
 * tests run commands in-process), a closed stdout (`flowhound … | head -1`)
 * ending the run quietly with status 0, and yargs' lost "-" positional.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { TextOutput } from '../sink/sink.js';
import { UsageError } from './usage-error.js';

export interface CommandIo {
  stdout: TextOutput;
  stderr: { write(s: string): unknown };
}

let onStdoutClosed: (() => void) | null = null;

/**
 * Installs the EPIPE handler on stdout (main.ts calls it once): a reader
 * that went away ends the run with status 0, as `head` users expect, like
 * grep or zeek-cut. A command that has something to finish first (watch
 * saves its state) registers `whenStdoutCloses`; otherwise the process
 * exits at once.
 */
export function handleClosedStdout(stdout: NodeJS.WriteStream = process.stdout): void {
  stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    if (onStdoutClosed) {
      const fn = onStdoutClosed;
      onStdoutClosed = null;
      fn();
      return;
    }
    process.exit(0);
  });
}

/** Runs `fn` instead of exiting when stdout closes; returns the undo. */
export function whenStdoutCloses(fn: () => void): () => void {
  onStdoutClosed = fn;
  return () => {
    if (onStdoutClosed === fn) onStdoutClosed = null;
  };
}

/**
 * yargs drops a lone `-` (standard input) from positional arrays: put it
 * back where it stood among the inputs on the command line.
 */
export function recoverStdinInputs(parsed: readonly string[] | undefined, rawArgs: readonly string[]): string[] {
  const inputs = [...(parsed ?? [])];
  if (inputs.includes('-') || !rawArgs.includes('-')) return inputs;
  const known = new Set(inputs);
  return rawArgs.filter((a) => a === '-' || known.has(a));
}

/** True when `--help-all` was asked for: options marked `hidden: !showAllOptions()` show then. */
export function showAllOptions(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--help-all');
}

/** Opens an output file; failing to (no folder, no permission) is a usage error naming the flag. */
export function openOutputFile(path: string, flag: string): Promise<WriteStream> {
  const out = createWriteStream(path);
  return new Promise((resolve, reject) => {
    out.once('open', () => resolve(out));
    out.once('error', (e) => reject(new UsageError(`${flag} ${path}: ${e.message}`)));
  });
}
