#!/usr/bin/env node
// npm run bench: runs every part in scripts/bench/ (capture, logs, model), each
// printing its figures beside a reference measured in the same run.
// `npm run bench -- capture` runs one part. Each part runs with the V8 flags
// of the CLI's shebang (src/cli/main.ts), so it measures what `flowhound` runs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'bench');
const only = process.argv.slice(2);
const shebang = readFileSync(join(dir, '..', '..', 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0];
const cliFlags = shebang.split(/\s+/).filter((a) => a.startsWith('--'));
const parts = readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort();
let failed = 0;
for (const f of parts) {
  const name = f.replace(/\.mjs$/, '');
  if (only.length && !only.includes(name)) continue;
  console.log(`\n== bench: ${name} == (node ${[...cliFlags, '--expose-gc'].join(' ')})`);
  const r = spawnSync(process.execPath, [...cliFlags, '--expose-gc', join(dir, f)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
