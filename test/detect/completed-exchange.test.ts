import { isCompletedExchange } from '../../src/detect/failed-attempt.js';
import { flow } from './make-records.js';

const base = { ts: 1_700_000_000, origH: '10.0.0.6', respH: '10.0.0.80', respP: 80 };

describe('isCompletedExchange', () => {
  it('is a connection answered with data that is not a failed attempt', () => {
    expect(isCompletedExchange(flow({ ...base, connState: 'SF', history: 'ShADadFf', origPkts: 5, respPkts: 5, origBytes: 80, respBytes: 4000 }))).toBe(true);
    // Zeek's history says the responder sent data even when the byte count is unset.
    expect(isCompletedExchange(flow({ ...base, connState: 'S1', history: 'ShAd', origPkts: 3, respPkts: 2, respBytes: null }))).toBe(true);
    expect(isCompletedExchange(flow({ ...base, respP: 53, proto: 'udp', connState: 'SF', history: 'Dd', origPkts: 1, respPkts: 1, origBytes: 30, respBytes: 90 }))).toBe(true);
  });

  it('is not a failed or unanswered attempt, a connection that carried nothing back, or ICMP', () => {
    expect(isCompletedExchange(flow({ ...base, connState: 'REJ', history: 'Sr', origPkts: 1, respPkts: 1 }))).toBe(false);
    expect(isCompletedExchange(flow({ ...base, connState: 'S0', history: 'S', origPkts: 2 }))).toBe(false);
    // Opened and held (a connection flood): the handshake's reply carries no data.
    expect(isCompletedExchange(flow({ ...base, connState: 'S1', history: 'ShA', origPkts: 2, respPkts: 1 }))).toBe(false);
    expect(isCompletedExchange(flow({ ...base, respP: 5140, proto: 'udp', connState: 'S0', history: 'D', origPkts: 100, origBytes: 12000 }))).toBe(false);
    expect(isCompletedExchange(flow({ ...base, respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', history: null, origPkts: 10, respPkts: 10, origBytes: 560, respBytes: 560 }))).toBe(false);
    // Seen only from the responder (Zeek's flip, backscatter): nobody's exchange.
    expect(isCompletedExchange(flow({ ...base, connState: 'SH', history: '^h', origPkts: 0, respPkts: 1, respBytes: 10 }))).toBe(false);
  });
});
