import { rechunk } from '../../src/io/byte-source.js';
import { createInvalidLineCounter, type LineBlock, splitLines } from '../../src/io/lines.js';
import type { IngestWarning } from '../../src/types.js';

async function collect(input: string | Buffer, chunkSize: number, maxLineBytes?: number, segmentBytes?: number): Promise<LineBlock[]> {
  const data = typeof input === 'string' ? Buffer.from(input) : input;
  const out: LineBlock[] = [];
  const opts = { ...(maxLineBytes === undefined ? {} : { maxLineBytes }), ...(segmentBytes === undefined ? {} : { segmentBytes }) };
  for await (const b of splitLines(rechunk([data], chunkSize), opts)) out.push(b);
  return out;
}

/** The lines of the blocks with their numbers, as a parser sees them. */
function lines(blocks: LineBlock[]): Array<[number, string]> {
  const out: Array<[number, string]> = [];
  for (const b of blocks) {
    if (b.droppedLongLine !== undefined) {
      out.push([b.droppedLongLine, '<dropped>']);
      continue;
    }
    for (const seg of b.segments ?? [b]) {
      let n = seg.firstLine;
      const parts = seg.text.split('\n');
      if (!b.unterminated) parts.pop();
      for (const p of parts) out.push([n++, p]);
    }
  }
  return out;
}

describe.each([1, 7, 65536])('splitLines at chunk size %i', (chunkSize) => {
  it('yields whole lines with 1-based numbers, keeping CR for the parser to strip', async () => {
    expect(lines(await collect('a\nbb\r\n\nccc\n', chunkSize))).toEqual([
      [1, 'a'],
      [2, 'bb\r'],
      [3, ''],
      [4, 'ccc'],
    ]);
  });

  it('marks a last line without newline as unterminated', async () => {
    const blocks = await collect('a\nbc', chunkSize);
    expect(lines(blocks)).toEqual([
      [1, 'a'],
      [2, 'bc'],
    ]);
    expect(blocks.at(-1)?.unterminated).toBe(true);
    expect(blocks.slice(0, -1).every((b) => !b.unterminated)).toBe(true);
  });

  it('decodes UTF-8 split across chunks, and keeps invalid bytes as U+FFFD', async () => {
    const data = Buffer.concat([Buffer.from('é中\n'), Buffer.from([0xff, 0xfe, 0x0a])]);
    expect(lines(await collect(data, chunkSize))).toEqual([
      [1, 'é中'],
      [2, '\ufffd\ufffd'],
    ]);
  });

  it('drops a line longer than maxLineBytes, reporting its number, and goes on', async () => {
    const long = 'x'.repeat(100);
    expect(lines(await collect(`a\n${long}\nb\n${long}`, chunkSize, 50))).toEqual([
      [1, 'a'],
      [2, '<dropped>'],
      [3, 'b'],
      [4, '<dropped>'],
    ]);
  });

  it('bytes give the same lines and numbers as text, one block per chunk', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} é`).join('\n');
    const data = Buffer.from(`${text}\nlast`);
    const whole = await collect(data, chunkSize);
    const raw: LineBlock[] = [];
    for await (const b of splitLines(rechunk([data], chunkSize), { bytes: true })) raw.push(b);
    const asText = raw.map((b): LineBlock => {
      const parts = [...(b.carried === undefined ? [] : [b.carried]), ...(b.bytes === undefined ? [] : [b.bytes])];
      return { text: Buffer.concat(parts).toString('utf8'), firstLine: b.firstLine, unterminated: b.unterminated };
    });
    expect(lines(asText)).toEqual(lines(whole));
    expect(raw.length).toBe(whole.length);
  });

  it('segments give the same lines and numbers as one string per chunk', async () => {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`).join('\n');
    const whole = await collect(`${text}\nlast`, chunkSize);
    const segmented = await collect(`${text}\nlast`, chunkSize, undefined, 64);
    expect(lines(segmented)).toEqual(lines(whole));
    if (chunkSize === 65536) expect(segmented[0]?.segments?.length).toBeGreaterThan(50);
  });

  it('yields at most one block per input chunk', async () => {
    const text = 'line\n'.repeat(100);
    const blocks = await collect(text, chunkSize);
    expect(blocks.length).toBeLessThanOrEqual(Math.ceil(text.length / chunkSize));
  });
});

describe('createInvalidLineCounter', () => {
  it('reports every bad line and throws at maxInvalid in a row, saying where', () => {
    const ws: IngestWarning[] = [];
    const c = createInvalidLineCounter('x.log', 3, (w) => ws.push(w));
    c.invalid(1, 'p1');
    c.invalid(2, 'p2');
    c.valid();
    c.invalid(4, 'p4');
    c.invalid(5, 'p5');
    expect(() => c.invalid(6, 'p6')).toThrow('x.log:6: 3 invalid lines in a row (lines 4-6; --max-invalid 3); last: p6');
    expect(ws.map((w) => w.message)).toEqual(['x.log:1: p1', 'x.log:2: p2', 'x.log:4: p4', 'x.log:5: p5', 'x.log:6: p6']);
    expect(c.total).toBe(5);
  });

  it('maxInvalid 0 means no limit', () => {
    const c = createInvalidLineCounter('x.log', 0, () => {});
    for (let i = 1; i <= 1000; i++) c.invalid(i, 'bad');
    expect(c.total).toBe(1000);
  });
});
