/**
 * Connections inside UDP tunnels (VXLAN): Zeek logs the tunnel's UDP
 * connections and the connection inside, counts how often the inner
 * connection changes tunnel (history `X` past Tunnel::max_changes_per_connection,
 * 5), and analyses nothing inside a tunnel packet whose checksum is bad.
 * Zeek's own conn.log for these cases is in the shared data
 * (core.tunnels.vxlan, core.tunnels.vxlan-unknown-internal-packet), compared
 * by test/conformance.test.ts; these hand-built captures need no shared data.
 */
import { readCaptureRecords } from '../../../src/ingest/capture-ingest.js';
import { openByteSourceFromChunks } from '../../../src/io/byte-source.js';
import type { FlowRecord } from '../../../src/types.js';
import { bytes, concatBytes, ethernetFrame, icmpMessage, ipv4Packet, pcapFile, u16be } from '../pcap/capture-builder.js';

const A = '192.168.56.12';
const B = '192.168.56.11';

/** Sets the IPv4 header checksum of `ip` (the builder leaves it 0). */
function withHeaderChecksum(ip: Uint8Array): Uint8Array {
  const ihl = (ip[0]! & 0x0f) * 4;
  let sum = 0;
  for (let i = 0; i < ihl; i += 2) sum += (ip[i]! << 8) | ip[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const c = ~sum & 0xffff;
  ip[10] = c >>> 8;
  ip[11] = c & 0xff;
  return ip;
}

/** A VXLAN packet from `src:sport` to `dst:4789` carrying an ICMP echo (8 request, 0 reply) between 10.0.0.1 and 10.0.0.2. */
function vxlanEcho(src: string, sport: number, dst: string, type: 0 | 8, seq: number, udpChecksum = 0): Uint8Array {
  const [isrc, idst] = type === 8 ? ['10.0.0.1', '10.0.0.2'] : ['10.0.0.2', '10.0.0.1'];
  const icmp = withHeaderChecksum(ipv4Packet({ src: isrc!, dst: idst!, proto: 1 }, icmpMessage(type, 0, 7, seq, new Uint8Array(56))));
  const body = concatBytes([bytes(0x08, 0, 0, 0, 0, 0, 0x7b, 0), ethernetFrame(0x0800, icmp)]);
  const udp = concatBytes([u16be(sport), u16be(4789), u16be(8 + body.length), u16be(udpChecksum), body]);
  return ethernetFrame(0x0800, withHeaderChecksum(ipv4Packet({ src, dst, proto: 17 }, udp)));
}

async function flowsOf(frames: Uint8Array[], verifyChecksums = false): Promise<FlowRecord[]> {
  const file = pcapFile({}, frames.map((data, i) => ({ tsSec: 1_700_000_000, frac: i * 100_000, data })));
  const source = await openByteSourceFromChunks('vxlan.pcap', [file]);
  const flows: FlowRecord[] = [];
  for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: () => {}, flowTracker: { verifyChecksums } })) flows.push(...b.flows);
  return flows;
}

/** Echo requests through one tunnel connection, replies through another (as in Zeek's vxlan trace): every packet changes tunnel. */
function pingThroughTwoTunnels(pairs: number): Uint8Array[] {
  const frames: Uint8Array[] = [];
  for (let seq = 1; seq <= pairs; seq++) frames.push(vxlanEcho(A, 38071, B, 8, seq), vxlanEcho(B, 48134, A, 0, seq));
  return frames;
}

describe('connections inside VXLAN', () => {
  it('logs both tunnel connections and the echo connection inside, with history X after more than 5 tunnel changes', async () => {
    const flows = await flowsOf(pingThroughTwoTunnels(4));
    const inner = flows.find((f) => f.proto === 'icmp');
    expect(inner).toMatchObject({ origH: '10.0.0.1', respH: '10.0.0.2', origP: 8, respP: 0, origPkts: 4, respPkts: 4, history: 'X' });
    const outer = flows.filter((f) => f.proto === 'udp').map((f) => [f.origH, f.origP, f.respH, f.respP, f.origPkts, f.respPkts]);
    expect(outer).toHaveLength(2);
    expect(outer).toContainEqual([A, 38071, B, 4789, 4, 0]);
    expect(outer).toContainEqual([B, 48134, A, 4789, 4, 0]);
  });

  it("names both tunnel connections' uids in the inner connection's tunnel_parents; the tunnels have none", async () => {
    const flows = await flowsOf(pingThroughTwoTunnels(2));
    const outer = flows.filter((f) => f.proto === 'udp');
    expect(outer.map((f) => f.tunnelParents)).toEqual([undefined, undefined]);
    expect(flows.find((f) => f.proto === 'icmp')!.tunnelParents!.sort()).toEqual(outer.map((f) => f.uid).sort());
  });

  it('a tunnel connection that timed out and started again is a new tunnel (Zeek compares their uids)', async () => {
    // The same VXLAN 5-tuple 20 s apart with a 10 s UDP timeout: two tunnel connections, one echo connection inside.
    const frames = [vxlanEcho(A, 38071, B, 8, 1), vxlanEcho(A, 38071, B, 8, 2)];
    const file = pcapFile({}, frames.map((data, i) => ({ tsSec: 1_700_000_000 + i * 20, frac: 0, data })));
    const flows: FlowRecord[] = [];
    const source = await openByteSourceFromChunks('vxlan.pcap', [file]);
    for await (const b of readCaptureRecords(source, { maxInvalid: 25, onWarning: () => {}, flowTracker: { udpInactivitySec: 10 } })) flows.push(...b.flows);
    const outer = flows.filter((f) => f.proto === 'udp');
    expect(outer).toHaveLength(2);
    const inner = flows.filter((f) => f.proto === 'icmp');
    expect(inner).toHaveLength(1);
    expect(inner[0]!.tunnelParents!.sort()).toEqual(outer.map((f) => f.uid).sort());
  });

  it('adds no X for 5 changes of tunnel (Tunnel::max_changes_per_connection)', async () => {
    const flows = await flowsOf(pingThroughTwoTunnels(3));
    expect(flows.find((f) => f.proto === 'icmp')).toMatchObject({ origPkts: 3, respPkts: 3, history: null });
  });

  it('analyses nothing inside a tunnel packet with a bad UDP checksum (checksums verified)', async () => {
    const frames = [vxlanEcho(A, 38071, B, 8, 1, 0x1234), vxlanEcho(A, 38071, B, 8, 2, 0x1234)];
    const checked = await flowsOf(frames, true);
    expect(checked.map((f) => [f.proto, f.history, f.origPkts])).toEqual([['udp', 'C', 0]]);
    // Without verification (the default, like zeek -C) the echo inside is a connection.
    const unchecked = await flowsOf(frames);
    expect(unchecked.map((f) => f.proto).sort()).toEqual(['icmp', 'udp']);
  });
});
