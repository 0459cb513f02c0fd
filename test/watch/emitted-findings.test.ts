import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/types.js';
import { createEmittedFindings, type EmittedEntry } from '../../src/watch/emitted-findings.js';
import { openEmittedJournal } from '../../src/watch/emitted-journal.js';

function finding(id: string, count: number, end = 100): Finding {
  return { id, ts: 0, end, kind: 'scan.vertical', severity: 'low', confidence: 0.5, src: 'a', dst: 'b', port: null, proto: null, detector: 'rule', summary: '', evidence: { count } };
}

describe('emitted findings', () => {
  it('same id with the same or a smaller count is emitted already, whatever its end; a larger count is an update', () => {
    const e = createEmittedFindings([{ id: 'f-1', end: 100, count: 20 }]);
    expect(e.has(finding('f-1', 20, 500))).toBe(true);
    expect(e.has(finding('f-1', 5, 50))).toBe(true);
    expect(e.has(finding('f-1', 21))).toBe(false);
    expect(e.knows(finding('f-1', 21))).toBe(true);
    expect(e.knows(finding('f-2', 1))).toBe(false);
  });

  it('a replayed smaller count never lowers the recorded one', () => {
    const e = createEmittedFindings([{ id: 'f-1', end: 100, count: 20 }]);
    e.add([finding('f-1', 3, 90)]);
    expect(e.entries()).toEqual([{ id: 'f-1', end: 100, count: 20 }]);
  });

  it('a pending entry nothing written follows is in doubt up to its count; a written one after it clears it', () => {
    const e = createEmittedFindings([
      { id: 'f-1', end: 100, count: 20, pending: true },
      { id: 'f-2', end: 100, count: 3, pending: true },
      { id: 'f-2', end: 100, count: 3 },
      { id: 'f-3', end: 100, count: 7 },
      { id: 'f-3', end: 120, count: 9, pending: true },
    ]);
    expect(e.inDoubt(finding('f-1', 20))).toBe(true);
    expect(e.has(finding('f-1', 20))).toBe(false);
    // Grown past what may have been written: an update.
    expect(e.inDoubt(finding('f-1', 21))).toBe(false);
    expect(e.knows(finding('f-1', 21))).toBe(true);
    expect(e.inDoubt(finding('f-2', 3))).toBe(false);
    expect(e.has(finding('f-2', 3))).toBe(true);
    expect(e.has(finding('f-3', 9))).toBe(false);
    expect(e.inDoubt(finding('f-3', 9))).toBe(true);
    // A checkpoint keeps what is still in doubt, pending, after the written entries; read back, it is in doubt again.
    expect(e.entries()).toEqual([
      { id: 'f-2', end: 100, count: 3 },
      { id: 'f-3', end: 100, count: 7 },
      { id: 'f-1', end: 100, count: 20, pending: true },
      { id: 'f-3', end: 120, count: 9, pending: true },
    ]);
    expect(createEmittedFindings(e.entries()).inDoubt(finding('f-3', 9))).toBe(true);
    e.add([finding('f-1', 20)]);
    expect(e.inDoubt(finding('f-1', 20))).toBe(false);
    // A pending line voided by an unwritten one (the write failed): no doubt.
    const v = createEmittedFindings([
      { id: 'f-4', end: 100, count: 2, pending: true },
      { id: 'f-4', end: 100, count: 2, unwritten: true },
    ]);
    expect(v.inDoubt(finding('f-4', 2))).toBe(false);
    expect(v.knows(finding('f-4', 2))).toBe(false);
    expect(e.entries().map((x) => [x.id, x.pending === true])).toEqual([
      ['f-2', false],
      ['f-3', false],
      ['f-1', false],
      ['f-3', true],
    ]);
  });

  it('keeps the most recently emitted maxEntries, oldest first, and tells onAdd what was added', () => {
    const seen: EmittedEntry[] = [];
    const e = createEmittedFindings([], { maxEntries: 100, onAdd: (x) => seen.push(...x) });
    for (let i = 0; i < 1000; i++) e.add([finding(`f-${i}`, 1, i)]);
    e.add([finding('f-950', 2, 2000)]);
    const ids = e.entries().map((x) => x.id);
    expect(ids).toHaveLength(100);
    expect(ids[0]).toBe('f-900');
    expect(ids.at(-1)).toBe('f-950');
    expect(seen).toHaveLength(1001);
  });
});

describe('emitted-findings journal', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fh-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('appends, reads back, ignores a line torn by a kill, and empties', () => {
    const j = openEmittedJournal(join(dir, 'w.state.emitted'));
    expect(j.read()).toEqual([]);
    j.append([{ id: 'f-1', end: 5, count: 2 }]);
    j.append([{ id: 'f-2', end: 6, count: 3, pending: true }]);
    j.append([{ id: 'f-2', end: 6, count: 3 }]);
    appendFileSync(j.path, '{"id":"f-3","en');
    expect(j.read()).toEqual([
      { id: 'f-1', end: 5, count: 2 },
      { id: 'f-2', end: 6, count: 3, pending: true },
      { id: 'f-2', end: 6, count: 3 },
    ]);
    j.clear();
    expect(j.read()).toEqual([]);
  });

  it('refuses a line that is not an entry, naming the file and line', () => {
    const p = join(dir, 'w.state.emitted');
    writeFileSync(p, '{"id":"f-1","end":5,"count":2}\nhello\n');
    expect(() => openEmittedJournal(p).read()).toThrow(/w\.state\.emitted:2: not an emitted-findings journal entry/);
    writeFileSync(p, '{"id":"f-1","end":5,"count":2,"pending":"yes"}\n');
    expect(() => openEmittedJournal(p).read()).toThrow(/w\.state\.emitted:1: not an emitted-findings journal entry/);
  });
});
