import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { createArpScanDetector } from '../../src/detect/arp-scan-detector.js';
import type { ArpRecord, Finding, FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;
const MAC = '02:00:00:00:00:42';

function who(ts: number, senderIp: string, targetIp: string, senderMac = MAC): ArpRecord {
  return { ts, op: 1, senderMac, senderIp, targetIp };
}

function run(arps: ArpRecord[], flows: FlowRecord[] = []): Finding[] {
  const d = createArpScanDetector(DEFAULT_SETTINGS);
  return [...d.push(batch({ flows, arps })), ...d.flush()];
}

const sweep = (from: string, n: number, stepSec = 0.05) => Array.from({ length: n }, (_, i) => who(T0 + i * stepSec, from, `192.168.1.${i + 1}`));

describe('scan.arp', () => {
  it('finds one sender asking for 64 addresses in 3 s, with its MAC and the answers', () => {
    const replies: ArpRecord[] = [5, 9].map((h) => ({ ts: T0 + 1, op: 2, senderMac: '02:00:00:00:00:05', senderIp: `192.168.1.${h}`, targetIp: '192.168.1.200' }));
    const found = run([...sweep('192.168.1.200', 64), ...replies]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.arp', src: '192.168.1.200', dst: null });
    expect(found[0]!.evidence).toMatchObject({ count: 64, mac: MAC, answered: 2 });
  });

  it('counts the answers to the scan from its first request, only for addresses it asked for in this run', () => {
    const reply = (ts: number, from: string): ArpRecord => ({ ts, op: 2, senderMac: '02:00:00:00:00:07', senderIp: from, targetIp: '192.168.1.200' });
    // An ordinary resolution a minute before (answered), then a sweep whose hosts 1-10 answer as they are asked,
    // before the incident opens at the 32nd address; and an is-at for an address it never asked for.
    const earlier = [who(T0 - 60, '192.168.1.200', '192.168.1.250'), reply(T0 - 59.9, '192.168.1.250')];
    const arps = sweep('192.168.1.200', 40).flatMap((r, i) => (i < 10 ? [r, reply(r.ts + 0.01, r.targetIp)] : [r]));
    const found = run([...earlier, ...arps, reply(T0 + 3, '192.168.1.251')]);
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence).toMatchObject({ count: 40, answered: 10 });
    expect(found[0]!.summary).toContain('(10 answered)');
  });

  it('stays silent below 32 addresses, on gratuitous ARP and ARP probes, and on requests spread wider than the window', () => {
    expect(run(sweep('192.168.1.200', 31))).toEqual([]);
    expect(run(Array.from({ length: 100 }, (_, i) => who(T0 + i, '192.168.1.7', '192.168.1.7')))).toEqual([]);
    expect(run(Array.from({ length: 100 }, (_, i) => who(T0 + i, '0.0.0.0', `192.168.1.${i}`)))).toEqual([]);
    expect(run(sweep('192.168.1.200', 100, 2))).toEqual([]); // one new address every 2 s: 15 in 30 s
  });

  it("ignores the gateway's and the DHCP server's ordinary ARP", () => {
    // Three hosts resolve 192.168.1.1: it is the gateway; then it resolves 64 hosts it routes to.
    const askers = ['192.168.1.20', '192.168.1.21', '192.168.1.22'].map((h, i) => who(T0 - 5 + i, h, '192.168.1.1', `02:00:00:00:01:0${i}`));
    expect(run([...askers, ...sweep('192.168.1.1', 64)])).toEqual([]);
    const dhcp = flow({ ts: T0 - 10, origH: '0.0.0.0', respH: '192.168.1.2', respP: 67, origP: 68, proto: 'udp', connState: 'SF', respPkts: 1 });
    expect(run(sweep('192.168.1.2', 64), [dhcp])).toEqual([]);
  });
});
