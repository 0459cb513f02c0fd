import { openByteSourceFromChunks } from '../../src/io/byte-source.js';
import { readSource } from '../../src/ingest/read-input.js';
import type { IngestWarning, RecordBatch } from '../../src/types.js';

async function read(name: string, bytes: Uint8Array): Promise<{ batches: RecordBatch[]; warnings: IngestWarning[] }> {
  const warnings: IngestWarning[] = [];
  const batches: RecordBatch[] = [];
  const src = await openByteSourceFromChunks(name, [bytes]);
  for await (const b of readSource(src, { maxInvalid: 25, onWarning: (w) => warnings.push(w) })) batches.push(b);
  return { batches, warnings };
}

describe('readSource', () => {
  it('reads an empty input as no records with an INPUT_EMPTY warning naming the file', async () => {
    const { batches, warnings } = await read('quiet-hour.conn.log', new Uint8Array(0));
    expect(batches).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ code: 'INPUT_EMPTY', file: 'quiet-hour.conn.log' })]);
  });

  it('refuses bytes of no known format with INPUT_UNKNOWN_FORMAT naming the file', async () => {
    await expect(read('mystery.bin', new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]))).rejects.toMatchObject({
      code: 'INPUT_UNKNOWN_FORMAT',
      message: expect.stringContaining('mystery.bin'),
    });
  });
});
