/**
 * A real `nats-server -js` for tests, on a free local port with its own
 * store folder; `restart()` stops it (SIGTERM, waiting for the exit) and
 * starts it again on the same port and store, as an operator's restart.
 * `haveNatsServer` is false when nats-server is not installed (tests then
 * skip, saying so).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const haveNatsServer = spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).status === 0;

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((res) => {
      const c = createConnection({ port, host: '127.0.0.1' }, () => {
        c.destroy();
        res(true);
      });
      c.once('error', () => res(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nats-server did not listen on ${port} within ${ms} ms`);
}

export interface TestNatsServer {
  url: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startNatsServer(): Promise<TestNatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'flowhound-nats-'));
  const port = await freePort();
  let proc: ChildProcess | null = null;
  const start = async (): Promise<void> => {
    proc = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: 'ignore' });
    await waitForPort(port, 15_000);
  };
  const halt = async (): Promise<void> => {
    const p = proc;
    proc = null;
    if (p === null || p.exitCode !== null) return;
    await new Promise<void>((res) => {
      p.once('exit', () => res());
      p.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
