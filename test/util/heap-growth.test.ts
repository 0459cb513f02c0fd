/**
 * The heap policy of src/util/heap-growth.ts, observed from outside: a child
 * node process (the built module) keeps a growing heap alive while V8
 * traces its collections. Once the used heap passes the policy's bound, the
 * growth is tightened and V8 runs more full (mark-compact) collections; a
 * bound never reached, or a --heap-growing-percent given on the command
 * line, leaves the growth loose.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const MODULE = pathToFileURL(resolve('dist/util/heap-growth.js')).href;

/** Keeps 60 arrays of 50,000 small objects alive (about 100 MB), yielding to the event loop between them. */
const CHILD = `
const { limitHeapGrowth } = await import(${JSON.stringify(MODULE)});
limitHeapGrowth(Number(process.argv[1]));
const keep = [];
for (let i = 0; i < 60; i++) {
  const a = new Array(50_000);
  for (let j = 0; j < a.length; j++) a[j] = { i, j };
  keep.push(a);
  await new Promise((r) => setTimeout(r, 5));
}
console.log('kept', keep.length);
`;

function fullCollections(boundBytes: number, nodeFlags: string[] = []): number {
  const out = execFileSync(process.execPath, [...nodeFlags, '--trace-gc', '--input-type=module', '-e', CHILD, String(boundBytes)], { encoding: 'utf8' });
  expect(out).toContain('kept 60');
  return out.split('\n').filter((l) => l.includes('Mark-Compact')).length;
}

describe('limitHeapGrowth', () => {
  it('tightens the growth once the used heap passes the bound, and keeps a growth chosen on the command line', () => {
    const loose = fullCollections(Number.MAX_SAFE_INTEGER);
    const tight = fullCollections(16 * 1024 * 1024);
    const userChosen = fullCollections(16 * 1024 * 1024, ['--heap-growing-percent=100']);
    expect(tight).toBeGreaterThan(loose);
    expect(userChosen).toBeLessThan(tight);
  });
});
