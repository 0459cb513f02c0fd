import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWatchState, type WatchState, writeWatchState } from '../../src/watch/watch-state.js';

describe('watch state file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fh-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips and leaves no temporary file', () => {
    const p = join(dir, 'watch.state');
    const st: WatchState = {
      version: 2,
      files: { '/logs/conn.log': { identity: { dev: 2049, ino: 1234567 }, offset: 4096, header: '#fields\tts\n', fingerprint: '10:abc' } },
      emitted: [
        { id: 'f-0011aabb', end: 1795333412.5, count: 42 },
        { id: 'f-0022ccdd', end: 1795333413, count: 7, pending: true },
      ],
      detectors: { format: 'flowhound-driver-state', version: 1, detectors: [{ name: 'scan', state: { watermark: { $num: '-Infinity' } } }], scorer: {}, driver: {} },
    };
    writeWatchState(p, st);
    writeWatchState(p, st);
    expect(readWatchState(p)).toEqual(st);
    expect(readdirSync(dir)).toEqual(['watch.state']);
  });

  it('reads a version 1 file (no detector state): positions and emitted findings resume', () => {
    const p = join(dir, 'v1.state');
    writeFileSync(p, '{"version":1,"files":{"/a":{"identity":{"dev":1,"ino":2},"offset":10,"header":null,"fingerprint":null}},"emitted":[{"id":"f-1","end":5,"count":3}]}\n');
    expect(readWatchState(p)).toEqual({ version: 2, files: { '/a': { identity: { dev: 1, ino: 2 }, offset: 10, header: null, fingerprint: null } }, emitted: [{ id: 'f-1', end: 5, count: 3 }], detectors: null });
  });

  it('refuses a file whose body no longer matches its checksum', () => {
    const p = join(dir, 'edited.state');
    writeWatchState(p, { version: 2, files: {}, emitted: [{ id: 'f-1', end: 5, count: 3 }], detectors: null });
    writeFileSync(p, readFileSync(p, 'utf8').replace('"count":3', '"count":4'));
    expect(() => readWatchState(p)).toThrow(/edited\.state: not a flowhound watch state file: its checksum does not match its content/);
  });

  it('returns null for a missing file', () => {
    expect(readWatchState(join(dir, 'none.state'))).toBeNull();
  });

  it.each([
    ['not JSON', '{"version":', /bad JSON/],
    ['another version', '{"version":9,"files":{},"emitted":[]}', /version 9/],
    ['a version 2 file without its checksum', '{"version":2,"body":{"files":{},"emitted":[]}}', /checksum does not match/],
    ['a bad offset', '{"version":1,"files":{"/a":{"identity":null,"offset":-1,"header":null}},"emitted":[]}', /position of \/a is malformed/],
    ['a bad emitted entry', '{"version":1,"files":{},"emitted":[{"id":3}]}', /"emitted" entry is malformed/],
    ['a bad pending flag', '{"version":1,"files":{},"emitted":[{"id":"f-1","end":5,"count":3,"pending":1}]}', /"emitted" entry is malformed/],
  ])('refuses %s with STATE_INVALID naming the file', (_what, text, message) => {
    const p = join(dir, 'x.state');
    writeFileSync(p, text);
    expect(() => readWatchState(p)).toThrow(expect.objectContaining({ code: 'STATE_INVALID', message: expect.stringMatching(message) }));
    expect(() => readWatchState(p)).toThrow(/x\.state/);
  });
});
