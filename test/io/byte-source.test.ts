import { gzipSync } from 'node:zlib';
import { openByteSourceFromChunks, rechunk } from '../../src/io/byte-source.js';

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

describe('openByteSourceFromChunks', () => {
  const text = Buffer.from('#separator \\x09\n#fields\tts\n'.repeat(500));
  for (const size of [1, 7, 65536]) {
    it(`passes plain bytes through at chunk size ${size}`, async () => {
      const src = await openByteSourceFromChunks('t', rechunk([text], size));
      expect(src.gzip).toBe(false);
      expect(Buffer.from(src.head).toString()).toBe(text.subarray(0, 4096).toString());
      expect((await collect(src.chunks)).equals(text)).toBe(true);
    });
    it(`gunzips by magic at chunk size ${size}`, async () => {
      const src = await openByteSourceFromChunks('t.gz', rechunk([gzipSync(text)], size));
      expect(src.gzip).toBe(true);
      expect((await collect(src.chunks)).equals(text)).toBe(true);
    });
  }
  it('reports a truncated gzip stream as INPUT_TRUNCATED naming the file', async () => {
    const gz = gzipSync(text);
    const src = await openByteSourceFromChunks('cut.gz', [gz.subarray(0, gz.length - 20)]);
    await expect(collect(src.chunks)).rejects.toMatchObject({ code: 'INPUT_TRUNCATED', message: expect.stringContaining('cut.gz') });
  });
});

describe('a consumer that stops early', () => {
  /** A source that counts `return()` calls, as a file follower closes its handle in its own. */
  function countingSource(chunks: Uint8Array[]): { iterable: AsyncIterable<Uint8Array>; returned: () => number } {
    let returned = 0;
    const iterable = {
      [Symbol.asyncIterator]() {
        let i = 0;
        return {
          next: async () => (i < chunks.length ? { done: false as const, value: chunks[i++] as Uint8Array } : { done: true as const, value: undefined }),
          return: async () => {
            returned++;
            return { done: true as const, value: undefined };
          },
        };
      },
    };
    return { iterable, returned: () => returned };
  }
  const text = Buffer.from('#separator \\x09\n#fields\tts\n'.repeat(2000));

  it('returns the source iterator on a break after the head', async () => {
    const src = countingSource(Array.from({ length: Math.ceil(text.length / 1000) }, (_, i) => text.subarray(i * 1000, (i + 1) * 1000)));
    const bs = await openByteSourceFromChunks('t', src.iterable);
    for await (const c of bs.chunks) {
      expect(c.length).toBeGreaterThan(0);
      break;
    }
    expect(src.returned()).toBe(1);
  });

  it('returns the source iterator when the chunks are returned before the first read', async () => {
    const src = countingSource([text.subarray(0, 5000), text.subarray(5000)]);
    const bs = await openByteSourceFromChunks('t', src.iterable);
    await (bs.chunks as AsyncGenerator<Uint8Array>).return(undefined);
    expect(src.returned()).toBe(1);
  });
});
