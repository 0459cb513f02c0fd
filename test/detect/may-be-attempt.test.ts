/** The scan detectors' read-ahead hint: which records' table slots are worth reading before the lookups. */
import { isFailedAttempt, mayBeAttempt } from '../../src/detect/failed-attempt.js';
import { flow } from './make-records.js';

const base = { ts: 1_700_000_000, origH: '10.0.0.6', respH: '10.0.0.80', respP: 80 };

describe('mayBeAttempt', () => {
  it('holds for the failed and unanswered TCP and UDP attempts the scan detectors count', () => {
    const attempts = [
      flow({ ...base, connState: 'S0', history: 'S', origPkts: 1 }),
      flow({ ...base, connState: 'REJ', history: 'Sr', origPkts: 1, respPkts: 1 }),
      flow({ ...base, connState: 'RSTOS0', history: 'SR', origPkts: 2 }),
      flow({ ...base, respP: 161, proto: 'udp', connState: 'S0', history: 'D', origPkts: 1, origBytes: 40 }),
    ];
    for (const f of attempts) {
      expect(isFailedAttempt(f)).toBe(true);
      expect(mayBeAttempt(f)).toBe(true);
    }
  });

  it('is false for a completed TCP connection, an answered UDP exchange and other transports', () => {
    expect(mayBeAttempt(flow({ ...base, connState: 'SF', history: 'ShADadFf', origPkts: 5, respPkts: 5, origBytes: 80, respBytes: 4000 }))).toBe(false);
    expect(mayBeAttempt(flow({ ...base, respP: 53, proto: 'udp', connState: 'SF', history: 'Dd', origPkts: 1, respPkts: 1, origBytes: 30, respBytes: 90 }))).toBe(false);
    expect(mayBeAttempt(flow({ ...base, respP: 0, origP: 8, proto: 'icmp', connState: 'OTH', history: null, origPkts: 1, respPkts: 0 }))).toBe(false);
  });
});
