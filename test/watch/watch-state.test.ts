import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
      version: 1,
      files: { '/logs/conn.log': { identity: { dev: 2049, ino: 1234567 }, offset: 4096, header: '#fields\tts\n', fingerprint: '10:abc' } },
      emitted: [{ id: 'f-0011aabb', end: 1795333412.5, count: 42 }],
    };
    writeWatchState(p, st);
    writeWatchState(p, st);
    expect(readWatchState(p)).toEqual(st);
    expect(readdirSync(dir)).toEqual(['watch.state']);
  });

  it('returns null for a missing file', () => {
    expect(readWatchState(join(dir, 'none.state'))).toBeNull();
  });

  it.each([
    ['not JSON', '{"version":', /bad JSON/],
    ['another version', '{"version":9,"files":{},"emitted":[]}', /version 9/],
    ['a bad offset', '{"version":1,"files":{"/a":{"identity":null,"offset":-1,"header":null}},"emitted":[]}', /position of \/a is malformed/],
    ['a bad emitted entry', '{"version":1,"files":{},"emitted":[{"id":3}]}', /"emitted" entry is malformed/],
  ])('refuses %s with STATE_INVALID naming the file', (_what, text, message) => {
    const p = join(dir, 'x.state');
    writeFileSync(p, text);
    expect(() => readWatchState(p)).toThrow(expect.objectContaining({ code: 'STATE_INVALID', message: expect.stringMatching(message) }));
    expect(() => readWatchState(p)).toThrow(/x\.state/);
  });
});
