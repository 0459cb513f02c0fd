/**
 * Stealth scan probes (no SYN) count as failed attempts when they did not
 * become a connection; midstream pickups never do. Records as Zeek writes
 * them for nmap's -sF/-sN/-sX/-sA against closed (RST) and open/filtered
 * (no answer) ports.
 */
import { DEFAULT_SETTINGS } from '../../src/config/settings.js';
import { isFailedAttempt, probeTypeOf } from '../../src/detect/failed-attempt.js';
import { createScanDetector } from '../../src/detect/scan-detector.js';
import type { FlowRecord } from '../../src/types.js';
import { batch, flow } from './make-records.js';

const T0 = 1_700_000_000;
const probe = (over: Partial<FlowRecord>) => flow({ ts: T0, origH: '10.0.0.66', origP: 51234, respH: '10.0.0.20', respP: 25, origPkts: 1, origIpBytes: 40, ...over });

describe('stealth probes', () => {
  it.each([
    ['FIN to a closed port (RST back)', { history: 'Fr', connState: 'RSTR', respPkts: 1, respIpBytes: 40 }, 'fin'],
    ['FIN to an open port (no answer)', { history: 'F', connState: 'SH', respPkts: 0 }, 'fin'],
    ['NULL to a closed port', { history: 'r', connState: 'RSTRH', respPkts: 1, respIpBytes: 40 }, 'null'],
    ['ACK to an unfiltered port', { history: 'Ar', connState: 'RSTRH', respPkts: 1, respIpBytes: 40 }, 'ack'],
    ['ACK to a filtered port', { history: 'A', connState: 'OTH', respPkts: 0 }, 'ack'],
  ] as const)('%s counts', (_what, over, type) => {
    const f = probe(over);
    expect(isFailedAttempt(f)).toBe(true);
    expect(probeTypeOf(f)).toBe(type);
  });

  it('names the probe from the first packet flags a capture gave', () => {
    expect(probeTypeOf(probe({ history: 'Fr', origFirstTcpFlags: 0x29 }))).toBe('xmas');
    expect(probeTypeOf(probe({ history: 'Fr', origFirstTcpFlags: 0x11 }))).toBe('maimon');
    expect(probeTypeOf(probe({ history: 'Fr', origFirstTcpFlags: 0x01 }))).toBe('fin');
    expect(probeTypeOf(probe({ history: 'r', origFirstTcpFlags: 0x00 }))).toBe('null');
    expect(probeTypeOf(probe({ history: 'Ar', origFirstTcpFlags: 0x10 }))).toBe('ack');
    expect(probeTypeOf(probe({ history: 'Sr', connState: 'REJ', origFirstTcpFlags: 0x02 }))).toBe('syn');
  });

  it.each([
    ['a pickup that carried data (OTH, D)', { history: 'DadAFf', connState: 'SF', origPkts: 4, respPkts: 3, origBytes: 12, respBytes: 12 }],
    ['a teardown the peer answered (FIN, FIN-ACK)', { history: 'Ffa', connState: 'SF', origPkts: 2, respPkts: 1 }],
    ['a keep-alive the peer acknowledged', { history: 'Aa', connState: 'OTH', respPkts: 1 }],
    ['a late FIN from a server port to a client port', { origP: 443, respP: 51000, history: 'Fr', connState: 'RSTR', respPkts: 1 }],
    ['a lone RST', { history: 'R', connState: 'OTH' }],
    ['a flipped record', { history: '^r', connState: 'OTH', respPkts: 1 }],
    ['more packets than a probe', { history: 'Ar', connState: 'OTH', origPkts: 5, respPkts: 1 }],
  ] as const)('%s does not count', (_what, over) => {
    expect(isFailedAttempt(probe(over))).toBe(false);
  });

  it('a FIN scan of 100 ports is scan.vertical with its probe type; 40 midstream pickups of 40 ports are nothing', () => {
    const d = createScanDetector(DEFAULT_SETTINGS);
    const fins = Array.from({ length: 100 }, (_, i) => probe({ ts: T0 + i * 0.01, respP: i + 1, history: 'Fr', connState: 'RSTR', respPkts: 1 }));
    const found = [...d.push(batch({ flows: fins })), ...d.flush()];
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'scan.vertical', src: '10.0.0.66', dst: '10.0.0.20' });
    expect(found[0]!.evidence.probeTypes).toEqual({ fin: 100 });
    const pickups = Array.from({ length: 40 }, (_, i) =>
      probe({ ts: T0 + i * 0.01, respP: 7001 + i, history: 'DadAFf', connState: 'SF', origPkts: 4, respPkts: 3, origBytes: 12, respBytes: 12 }),
    );
    const d2 = createScanDetector(DEFAULT_SETTINGS);
    expect([...d2.push(batch({ flows: pickups })), ...d2.flush()]).toEqual([]);
  });
});
