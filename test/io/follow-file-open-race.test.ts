/**
 * The follower stats the path and then opens it; a rotation can land
 * between the two (the open runs later, on the thread pool). Here the
 * rotation is made to land there on purpose: `open` of node:fs/promises is
 * wrapped so that a test can run a step just before the real open.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as realFsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Run (once) just before the next open of the followed path. */
let beforeOpen: (() => void) | null = null;

jest.unstable_mockModule('node:fs/promises', () => ({
  ...realFsPromises,
  open: (...args: Parameters<typeof realFsPromises.open>) => {
    const step = beforeOpen;
    beforeOpen = null;
    step?.();
    return realFsPromises.open(...args);
  },
}));

const { createFileFollower } = await import('../../src/io/follow-file.js');

describe('createFileFollower, a rotation between the stat of the path and its open', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fh-follow-race-'));
  });
  afterEach(() => {
    beforeOpen = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('at the first open: the file the stat named is finished from where it went, then the new one is read once', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'old1\n');
    const f = createFileFollower(p, { pollMs: 5, idleEndMs: 100 });
    beforeOpen = () => {
      renameSync(p, join(dir, 'conn.1.log'));
      writeFileSync(p, 'new1\nnew2\n');
    };
    const chunks: string[] = [];
    for await (const c of f) chunks.push(Buffer.from(c).toString());
    expect(beforeOpen).toBeNull();
    expect(chunks.join('')).toBe('old1\nnew1\nnew2\n');
    expect(f.stats.rotations).toBe(1);
    const st = statSync(p);
    expect(f.position()).toMatchObject({ identity: { dev: st.dev, ino: st.ino }, offset: 10 });
  });

  it('at the first open, the replaced file gone from the folder: the new file is read once, as the file it is', async () => {
    const p = join(dir, 'conn.log');
    const elsewhere = mkdtempSync(join(tmpdir(), 'fh-follow-race-archive-'));
    writeFileSync(p, 'old1\n');
    const f = createFileFollower(p, { pollMs: 5, idleEndMs: 100 });
    beforeOpen = () => {
      renameSync(p, join(elsewhere, 'conn.1.log'));
      writeFileSync(p, 'new1\nnew2\n');
    };
    const chunks: string[] = [];
    try {
      for await (const c of f) chunks.push(Buffer.from(c).toString());
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(beforeOpen).toBeNull();
    expect(chunks.join('')).toBe('new1\nnew2\n');
    expect(f.stats.rotations).toBe(0);
    const st = statSync(p);
    expect(f.position()).toMatchObject({ identity: { dev: st.dev, ino: st.ino }, offset: 10 });
  });

  it('at the open after a rotation: the file rotated away meanwhile is finished, then the newer one is read once', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'a1\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const chunks: string[] = [];
    const done = (async () => {
      for await (const c of f) chunks.push(Buffer.from(c).toString());
    })();
    const deadline = Date.now() + 5000;
    while (chunks.join('') !== 'a1\n' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    // Rotation to b; while the follower opens b, b is rotated away too and c takes the path.
    beforeOpen = () => {
      renameSync(p, join(dir, 'conn.2.log'));
      writeFileSync(p, 'c1\nc2\n');
    };
    renameSync(p, join(dir, 'conn.1.log'));
    writeFileSync(p, 'b1\n');
    while (!chunks.join('').includes('c2\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await done;
    expect(chunks.join('')).toBe('a1\nb1\nc1\nc2\n');
    expect(f.stats.rotations).toBe(2);
  });
});
