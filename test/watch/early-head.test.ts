import { openByteSourceFromChunks } from '../../src/io/byte-source.js';
import { detectFormat } from '../../src/ingest/detect.js';

/** A chunk source that yields `first` and then never ends until released (a live file with only its header written). */
function liveSource(first: Uint8Array[]): { chunks: AsyncIterable<Uint8Array>; release: () => void } {
  let release = (): void => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  async function* gen(): AsyncGenerator<Uint8Array> {
    yield* first;
    await gate;
  }
  return { chunks: gen(), release };
}

describe('openByteSourceFromChunks earlyHead', () => {
  it('detects a Zeek TSV header from the first complete line without waiting for 4096 bytes', async () => {
    const live = liveSource([Buffer.from('#separator \\x09\n#set_separator\t,\n')]);
    const src = await openByteSourceFromChunks('conn.log', live.chunks, null, { earlyHead: true });
    expect(detectFormat(src.head)).toBe('zeek-tsv');
    live.release();
  });
  it('waits for the line to complete when the first chunk cuts it', async () => {
    const live = liveSource([Buffer.from('{"ts":1'), Buffer.from('.5,"uid":"C1"}\n')]);
    const src = await openByteSourceFromChunks('conn.json', live.chunks, null, { earlyHead: true });
    expect(Buffer.from(src.head).toString()).toBe('{"ts":1.5,"uid":"C1"}\n');
    live.release();
  });
  it('does not stop at leading blank lines', async () => {
    const live = liveSource([Buffer.from('\n\n'), Buffer.from('#fields\tts\n')]);
    const src = await openByteSourceFromChunks('x', live.chunks, null, { earlyHead: true });
    expect(detectFormat(src.head)).toBe('zeek-tsv');
    live.release();
  });
  it('without the option still reads up to 4096 bytes or the end', async () => {
    const text = Buffer.from('#fields\tts\n1\n');
    const src = await openByteSourceFromChunks('x', [text], null, {});
    expect(Buffer.from(src.head).equals(text)).toBe(true);
  });
});
