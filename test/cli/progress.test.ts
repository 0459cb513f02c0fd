import { createProgressLine } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 80, write: (s: string) => writes.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, writes };
}

describe('progress line', () => {
  it('stays silent when stderr is not a terminal', () => {
    const { stream, writes } = fakeStream(false);
    const p = createProgressLine({ stream, intervalMs: 0 });
    p.addRecords(10);
    p.onRead('x.pcap', 100, 1000);
    p.done();
    expect(writes).toEqual([]);
  });

  it('on a terminal shows the input, the share read and the record count, and erases itself', () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgressLine({ stream, unit: 'connections', intervalMs: 0 });
    p.addRecords(42);
    p.onRead('x.pcap', 250, 1000);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\rx\.pcap: 25\.0%, 42 connections \(\d+\/s\)\x1b\[K$/);
    p.done();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('shows no record count before the first records (a capture hands connections over as they end)', () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgressLine({ stream, intervalMs: 0 });
    p.onRead('x.pcap', 1000, 1000);
    expect(writes[0]).toBe('\rx.pcap: 100.0%\x1b[K');
    p.addRecords(3);
    p.onRead('x.pcap', 1000, 1000);
    expect(writes[1]).toMatch(/^\rx\.pcap: 100\.0%, 3 records \(\d+\/s\)\x1b\[K$/);
  });

  it('draws at most once per interval', () => {
    const { stream, writes } = fakeStream(true);
    const p = createProgressLine({ stream, intervalMs: 60_000 });
    for (let i = 1; i <= 100; i++) p.onRead('x.pcap', i, 100);
    expect(writes).toHaveLength(1);
  });
});
