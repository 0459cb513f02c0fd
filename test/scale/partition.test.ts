import { destinationKey, fnv1a, ownedPartitions, partitionOf, sourceKey } from '../../src/scale/partition.js';
import type { DnsRecord, FlowRecord } from '../../src/types.js';

describe('partitioning', () => {
  it('FNV-1a 32 matches the reference values', () => {
    // Reference values of the FNV-1a 32-bit test suite (Fowler, Noll, Vo).
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('every partition is owned by exactly one of N workers', () => {
    for (const workers of [1, 3, 8]) {
      const owned = Array.from({ length: workers }, (_, i) => ownedPartitions(i, workers, 8)).flat();
      expect(owned.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('keys flows by originator and by (proto, port), DNS by client and proto/server port', () => {
    const flow = { origH: '10.0.0.1', respH: '10.0.0.2', respP: 443, proto: 'tcp' } as FlowRecord;
    const dns = { client: '10.0.0.9', server: '10.0.0.53', serverP: 53, proto: 'udp' } as DnsRecord;
    expect(sourceKey(flow)).toBe('10.0.0.1');
    expect(destinationKey(flow)).toBe('tcp/443');
    expect(sourceKey(dns)).toBe('10.0.0.9');
    expect(destinationKey(dns)).toBe('udp/53');
    const p = partitionOf('10.0.0.1', 8);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(8);
    expect(partitionOf('10.0.0.1', 8)).toBe(p);
  });
});
