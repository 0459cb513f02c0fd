import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileFollower, type FileFollower } from '../../src/io/follow-file.js';

/** Consumes a follower in the background, keeping the text it yields. */
function consume(f: FileFollower): { text: () => string; chunks: string[]; done: Promise<void> } {
  const chunks: string[] = [];
  const done = (async () => {
    for await (const c of f) chunks.push(Buffer.from(c).toString());
  })();
  return { text: () => chunks.join(''), chunks, done };
}

/** Waits (polling every 5 ms, at most 5 s) until `cond` holds. */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('createFileFollower', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fh-follow-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('yields what is there, then appended lines, and ends on abort', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'a1\na2\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'a1\na2\n', 'initial lines');
    appendFileSync(p, 'b1\n');
    await waitFor(() => c.text() === 'a1\na2\nb1\n', 'appended line');
    expect(f.position().offset).toBe(9);
    expect(f.position().identity).toEqual({ dev: statSync(p).dev, ino: statSync(p).ino });
    ac.abort();
    await c.done;
  });

  it('catches up on a large file one chunk at a time (bounded memory), every chunk ending at a line end', async () => {
    const p = join(dir, 'big.log');
    const line = `${'x'.repeat(99)}\n`;
    writeFileSync(p, line.repeat(20_000)); // 2 MB
    const f = createFileFollower(p, { pollMs: 5, idleEndMs: 30, chunkSize: 64 * 1024 });
    let total = 0;
    let readAtFirstChunk = -1;
    const sizes: number[] = [];
    for await (const chunk of f) {
      if (readAtFirstChunk < 0) readAtFirstChunk = f.stats.bytesRead;
      total += chunk.length;
      sizes.push(chunk.length);
      expect(chunk[chunk.length - 1]).toBe(0x0a);
    }
    // The first chunk is handed out after one read, not after reading the whole file.
    expect(readAtFirstChunk).toBe(64 * 1024);
    expect(total).toBe(2_000_000);
    expect(sizes.length).toBeGreaterThanOrEqual(30);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(64 * 1024 + line.length);
  });

  it('holds a partial line back until its newline is written', async () => {
    const p = join(dir, 'x.log');
    writeFileSync(p, 'one\ntw');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'one\n', 'first line');
    expect(f.position().offset).toBe(4);
    appendFileSync(p, 'o\nthree\n');
    await waitFor(() => c.text() === 'one\ntwo\nthree\n', 'completed line');
    for (const chunk of c.chunks) expect(chunk.endsWith('\n')).toBe(true);
    ac.abort();
    await c.done;
  });

  it('starts again from byte 0 when the file is truncated', async () => {
    const p = join(dir, 'x.log');
    writeFileSync(p, 'old1\nold2\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'old1\nold2\n', 'old lines');
    truncateSync(p, 0);
    await waitFor(() => f.stats.truncations === 1, 'truncation');
    appendFileSync(p, 'new\n');
    await waitFor(() => c.text() === 'old1\nold2\nnew\n', 'line after truncation');
    ac.abort();
    await c.done;
  });

  it('notices copytruncate followed by regrowth past the read offset before the next poll (head fingerprint)', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'old line 1\nold line 2\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 200, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'old line 1\nold line 2\n', 'old lines');
    // In one go, between two polls: copy-truncate, then the writer adds more than was there.
    truncateSync(p, 0);
    appendFileSync(p, 'NEW 1\nNEW 2\nNEW 3\nNEW 4\nNEW 5\n');
    await waitFor(() => c.text().endsWith('NEW 5\n'), 'new content');
    expect(f.stats.truncations).toBe(1);
    expect(c.text()).toBe('old line 1\nold line 2\nNEW 1\nNEW 2\nNEW 3\nNEW 4\nNEW 5\n');
    expect(f.position().offset).toBe(30);
    ac.abort();
    await c.done;
  });

  it('resuming from a position: a copytruncated and regrown file is read from byte 0', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'old line 1\nold line 2\n');
    const first = createFileFollower(p, { pollMs: 5, idleEndMs: 20 });
    for await (const _ of first) {
      // read it all
    }
    const saved = first.position();
    expect(saved.offset).toBe(22);
    truncateSync(p, 0);
    appendFileSync(p, 'NEW 1\nNEW 2\nNEW 3\nNEW 4\nNEW 5\n');
    const second = createFileFollower(p, { pollMs: 5, idleEndMs: 20, start: saved });
    let text = '';
    for await (const chunk of second) text += Buffer.from(chunk).toString();
    expect(text).toBe('NEW 1\nNEW 2\nNEW 3\nNEW 4\nNEW 5\n');
    expect(second.stats.resumed).toBe(false);
  });

  it('follows a rotation (rename, new file at the path), finishing the old file first', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'r1\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'r1\n', 'first file');
    // Zeek: the last lines, then the rename, then a new file.
    appendFileSync(p, 'r2\n');
    renameSync(p, join(dir, 'conn.2026-01-01-00-00-00.log'));
    writeFileSync(p, 's1\n');
    await waitFor(() => c.text().includes('s1\n'), 'the new file');
    expect(c.text()).toBe('r1\nr2\ns1\n');
    expect(f.stats.rotations).toBe(1);
    appendFileSync(p, 's2\n');
    await waitFor(() => c.text() === 'r1\nr2\ns1\ns2\n', 'append to the new file');
    ac.abort();
    await c.done;
  });

  it('waits for a file that does not exist yet', async () => {
    const p = join(dir, 'dns.log');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await new Promise((r) => setTimeout(r, 30));
    writeFileSync(p, 'late\n');
    await waitFor(() => c.text() === 'late\n', 'the file to appear');
    ac.abort();
    await c.done;
  });

  it('ends after idleEndMs without new bytes, yielding a last unterminated line', async () => {
    const p = join(dir, 'x.log');
    writeFileSync(p, 'a\nb');
    const f = createFileFollower(p, { pollMs: 5, idleEndMs: 50 });
    const c = consume(f);
    await c.done;
    expect(c.text()).toBe('a\nb');
  });

  it('tracks the TSV header in effect and resumes mid-file with it', async () => {
    const p = join(dir, 'conn.log');
    const head = '#separator \\x09\n#fields\tts\tuid\n#types\ttime\tstring\n';
    writeFileSync(p, `${head}1.0\tC1\n2.0\tC2\n`);
    const f1 = createFileFollower(p, { pollMs: 5, idleEndMs: 30 });
    const c1 = consume(f1);
    await c1.done;
    const pos = f1.position();
    expect(pos.header).toBe(head);
    expect(pos.offset).toBe(statSync(p).size);
    appendFileSync(p, '3.0\tC3\n');
    const f2 = createFileFollower(p, { pollMs: 5, idleEndMs: 30, start: pos });
    const c2 = consume(f2);
    await c2.done;
    expect(f2.stats.resumed).toBe(true);
    expect(c2.text()).toBe(`${head}3.0\tC3\n`);
  });

  it('starts from byte 0 when the resume position names another file', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'x1\n');
    const st = statSync(p);
    const f = createFileFollower(p, { pollMs: 5, idleEndMs: 30, start: { identity: { dev: st.dev, ino: st.ino + 1 }, offset: 2, header: '#h\n', fingerprint: null } });
    const c = consume(f);
    await c.done;
    expect(f.stats.resumed).toBe(false);
    expect(c.text()).toBe('x1\n');
  });

  it('starts from byte 0 when the inode matches but the first bytes differ (deleted and re-created)', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'first-file-1\nfirst-file-2\n');
    const f1 = createFileFollower(p, { pollMs: 5, idleEndMs: 30 });
    await consume(f1).done;
    const pos = f1.position();
    expect(pos.fingerprint).toMatch(/^26:[0-9a-f]{40}$/);
    // Same inode, other content of at least the same length.
    writeFileSync(p, 'other-file-1\nother-file-2\nother-file-3\n');
    expect(statSync(p).ino).toBe(pos.identity?.ino);
    const f2 = createFileFollower(p, { pollMs: 5, idleEndMs: 30, start: pos });
    const c2 = consume(f2);
    await c2.done;
    expect(f2.stats.resumed).toBe(false);
    expect(c2.text()).toBe('other-file-1\nother-file-2\nother-file-3\n');
  });

  it('resuming a position whose file was rotated away by rename while no one followed: finishes it from the position, then the new file', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, '#h\nold 1\n');
    const first = createFileFollower(p, { pollMs: 5, idleEndMs: 20 });
    await consume(first).done;
    const saved = first.position();
    appendFileSync(p, 'old 2\nold 3\n');
    renameSync(p, join(dir, 'conn.log.1'));
    writeFileSync(p, 'new 1\n');
    const second = createFileFollower(p, { pollMs: 5, idleEndMs: 30, start: { ...saved, header: '#h\n' } });
    const c = consume(second);
    await c.done;
    expect(c.text()).toBe('#h\nold 2\nold 3\nnew 1\n');
    expect(second.stats).toMatchObject({ resumed: true, rotations: 1 });
  });

  it('resuming a position whose file was copytruncated while no one followed: the rest is read from the copy, then the new content', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'line 1\nline 2\n');
    const first = createFileFollower(p, { pollMs: 5, idleEndMs: 20 });
    await consume(first).done;
    const saved = first.position();
    appendFileSync(p, 'line 3\n');
    writeFileSync(join(dir, 'conn.log.2'), readFileSync(p));
    truncateSync(p, 0);
    appendFileSync(p, 'after 1\nafter 2\nafter 3\n');
    const second = createFileFollower(p, { pollMs: 5, idleEndMs: 30, start: saved });
    const c = consume(second);
    await c.done;
    expect(c.text()).toBe('line 3\nafter 1\nafter 2\nafter 3\n');
  });

  it('a live copytruncate read by a lagging follower: what it had not read yet comes from the copy', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, 'a 1\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 150, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text() === 'a 1\n', 'the first line');
    // Between two polls: more lines, then logrotate's copytruncate, then new lines.
    appendFileSync(p, 'a 2\na 3\n');
    writeFileSync(join(dir, 'conn.log.1'), readFileSync(p));
    truncateSync(p, 0);
    appendFileSync(p, 'b 1\n');
    await waitFor(() => c.text().endsWith('b 1\n'), 'the new content');
    expect(c.text()).toBe('a 1\na 2\na 3\nb 1\n');
    expect(f.stats.truncations).toBe(1);
    ac.abort();
    await c.done;
  });

  it('startAtEnd begins after the last complete line, yielding the leading header first', async () => {
    const p = join(dir, 'conn.log');
    const head = '#separator \\x09\n#fields\tts\tuid\n';
    writeFileSync(p, `${head}1.0\tC1\n2.0\tC2\n3.0\tC`);
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal, startAtEnd: true });
    const c = consume(f);
    await waitFor(() => c.text() === head, 'the header');
    appendFileSync(p, '3\n4.0\tC4\n');
    await waitFor(() => c.text() === `${head}3.0\tC3\n4.0\tC4\n`, 'the appended lines');
    expect(f.position().header).toBe(head);
    ac.abort();
    await c.done;
  });

  it('a new header after a rotation replaces the old one', async () => {
    const p = join(dir, 'conn.log');
    writeFileSync(p, '#fields\ta\n1\n#close\tx\n');
    const ac = new AbortController();
    const f = createFileFollower(p, { pollMs: 5, signal: ac.signal });
    const c = consume(f);
    await waitFor(() => c.text().includes('#close'), 'first file');
    expect(f.position().header).toBe('#fields\ta\n');
    rmSync(p);
    writeFileSync(p, '#fields\tb\n2\n');
    await waitFor(() => c.text().endsWith('2\n'), 'second file');
    expect(f.position().header).toBe('#fields\tb\n');
    ac.abort();
    await c.done;
  });
});
