import yargs from 'yargs';
import { flowsCommand } from '../../src/cli/flows.js';
import { UsageError } from '../../src/cli/usage-error.js';

/** Runs `flowhound flows ARGS` in-process; returns what it wrote to stdout and stderr. */
export async function runFlows(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    await yargs(['flows', ...args])
      .command(flowsCommand)
      .strict()
      .fail((msg, e) => {
        throw e ?? new UsageError(msg);
      })
      .parseAsync();
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
  }
  return { stdout, stderr };
}

