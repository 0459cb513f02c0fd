import { readFileSync } from 'node:fs';
import { readCaptureRecords } from '../../../src/ingest/capture-ingest.js';
import { createFlowTracker } from '../../../src/ingest/flow-tracker/flow-tracker.js';
import type { DecodedPacket } from '../../../src/ingest/pcap/decoded-packet.js';
import {
  cacheIpv4Hash,
  hashAddress,
  hashIpv4Address,
  ipv4HashKeys,
  ipv4HashSlot,
  ipv4HashValues,
} from '../../../src/ingest/flow-tracker/flow-index.js';
import { readCapturePackets } from '../../../src/ingest/pcap/read-capture.js';
import { openByteSourceFromChunks, rechunk } from '../../../src/io/byte-source.js';
import { describeWithSharedData, sharedData, zeekTestTraces } from '../../helpers/shared-data.js';

describe('hashIpv4Address', () => {
  it('equals hashAddress of the dotted-quad text for every octet value in every position', () => {
    const b = new Uint8Array(4);
    for (let v = 0; v < 256; v++) {
      for (let pos = 0; pos < 4; pos++) {
        b.set([10, 200, 3, 99]);
        b[pos] = v;
        expect(hashIpv4Address(b, 0)).toBe(hashAddress(`${b[0]}.${b[1]}.${b[2]}.${b[3]}`));
      }
    }
  });
});

describe('the IPv4 address-hash cache', () => {
  /** The flow tracker's lookup (addPacket, flow-tracker.ts): the slot's value on a hit, cacheIpv4Hash on a miss. */
  const lookup = (b: Uint8Array, n: number): number => {
    const slot = ipv4HashSlot(n);
    return ipv4HashKeys[slot] === n ? ipv4HashValues[slot]! : cacheIpv4Hash(b, 0, n, slot);
  };

  it('gives hashIpv4Address on addresses that share and evict cache entries, 0.0.0.0 included', () => {
    const b = new Uint8Array(4);
    const view = new DataView(b.buffer);
    let seed = 7;
    for (let i = 0; i < 50000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      // Mostly a few hundred hosts (hits), some random ones (misses and evictions), and 0.0.0.0.
      const n = i % 97 === 0 ? 0 : i % 3 === 0 ? seed : (0x0a000000 + (seed % 300)) | 0;
      view.setUint32(0, n >>> 0);
      expect(lookup(b, n | 0)).toBe(hashIpv4Address(b, 0));
    }
  });
});

describeWithSharedData('hashIpv4Address on the capture reader packets (shared data)', () => {
  it('agrees with hashAddress(src) and hashAddress(dst) on every IPv4 packet of the Zeek test traces, tunnels included', async () => {
    let checked = 0;
    for (const { dir, bytes } of zeekTestTraces()) {
      const source = await openByteSourceFromChunks(`${dir}.pcap`, rechunk([bytes], 65536));
      const bad: string[] = [];
      const packets = readCapturePackets(
        source,
        (p) => {
          if (p.ipVersion !== 4 || p.ipOffset === undefined || p.ipOffset < 0) return;
          checked++;
          if (hashIpv4Address(p.data, p.ipOffset + 12) !== hashAddress(p.src) || hashIpv4Address(p.data, p.ipOffset + 16) !== hashAddress(p.dst)) bad.push(`${p.src} ${p.dst}`);
        },
        { onWarning: () => {} },
      );
      for await (const _ of packets);
      expect({ dir, bad }).toEqual({ dir, bad: [] });
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

describeWithSharedData('flow tracker on copies of the reader packets (shared data)', () => {
  it('copies kept past the callback (their frame buffer since overwritten) give the same flows as the reader', async () => {
    const bytes = new Uint8Array(readFileSync(sharedData('zeek-conformance', 'opt.basic', 'trace.pcap')));
    const direct = [];
    for await (const b of readCaptureRecords(await openByteSourceFromChunks('a.pcap', rechunk([bytes], 4096)), { maxInvalid: 25, onWarning: () => {} })) direct.push(...b.flows);
    const copies: DecodedPacket[] = [];
    const packets = readCapturePackets(
      await openByteSourceFromChunks('b.pcap', rechunk([bytes], 4096)),
      (p) => {
        const copy = { ...p, src: p.src, dst: p.dst, data: p.data.slice() } as DecodedPacket & { frameBuf?: Uint8Array };
        // What a reused buffer would hold later: other bytes.
        if (copy.frameBuf !== undefined) copy.frameBuf = new Uint8Array(copy.frameBuf.length);
        copies.push(copy);
      },
      { onWarning: () => {} },
    );
    for await (const _ of packets);
    const tracker = createFlowTracker();
    for (const p of copies) tracker.addPacket(p);
    const fromCopies = [...tracker.take().flows, ...tracker.finish().flows];
    expect(direct.length).toBeGreaterThan(10);
    expect(fromCopies).toEqual(direct);
  });
});
