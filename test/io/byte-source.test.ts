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
