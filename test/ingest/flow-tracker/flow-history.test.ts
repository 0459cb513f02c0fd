import { toFlowRecord } from '../../../src/ingest/flow-tracker/flow-record.js';
import {
  FlowTable,
  HIST_ALPHABET,
  HIST_PACKED_MAX,
  HIST_RESP,
  HL_C,
  HL_D,
  HL_FLIP,
  HL_S,
  I_HIST_PACKED,
  I_HIST_SEEN,
  I_RESP_N,
  PROTO_TCP,
  PROTO_UDP,
  S_HISTORY,
  S_ORIG_H,
  SLOT_I32,
  SLOT_STR,
} from '../../../src/ingest/flow-tracker/flow-table.js';
import { createSeededRandom } from '../../../src/util/seeded-random.js';

function allocTcp(t: FlowTable): number {
  const slot = t.alloc(1000, '10.0.0.1', 1, 40000, '10.0.0.2', 2, 80, PROTO_TCP, 6);
  t.setKey(slot, 0, '10.0.0.1', 40000, '10.0.0.2', 80, false);
  return slot;
}

describe('packed connection history', () => {
  it('keeps letters in order, the ones beyond the record in the string', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    expect(t.history(slot)).toBe('');
    let expected = '';
    // Every letter of the alphabet, twice: more than fit in the record.
    for (let round = 0; round < 2; round++) {
      for (let c = 1; c < HIST_ALPHABET.length; c++) {
        t.addHistoryLetter(slot, c);
        expected += HIST_ALPHABET[c];
        expect(t.history(slot)).toBe(expected);
      }
    }
    expect(expected.length).toBeGreaterThan(HIST_PACKED_MAX);
    // The first HIST_PACKED_MAX letters are in the record, the rest in the string.
    expect(t.str[slot * SLOT_STR + S_HISTORY]).toBe(expected.slice(HIST_PACKED_MAX));
    expect(toFlowRecord(t, slot).history).toBe(expected);
  });

  it('matches string appends for random sequences of every length (all ways of appending)', () => {
    const rnd = createSeededRandom(7);
    const t = new FlowTable();
    for (let len = 0; len <= 3 * HIST_PACKED_MAX; len++) {
      const slot = allocTcp(t);
      let expected = '';
      let mask = 1;
      for (let k = 0; k < len; k++) {
        const c = 1 + Math.floor(rnd() * (HIST_ALPHABET.length - 1));
        const how = Math.floor(rnd() * 3);
        if (how === 0) t.addHistoryLetter(slot, c);
        else if (how === 1) expect(t.checkHistory(slot, mask, HIST_ALPHABET[c]!)).toBe(false);
        else expect(t.checkHistoryLetter(slot, mask, c)).toBe(false);
        if (how !== 0) mask = mask === 0x40000000 ? 1 : mask * 2;
        if (how !== 0 && mask === 1) t.i32[slot * SLOT_I32 + I_HIST_SEEN] = 0; // start the seen-bits again
        expected += HIST_ALPHABET[c];
      }
      expect(t.history(slot)).toBe(expected);
      expect(toFlowRecord(t, slot).history).toBe(len === 0 ? null : expected);
      t.release(slot);
    }
  });

  it('decodes many different histories (more than its cache holds) correctly, again and again', () => {
    const t = new FlowTable();
    const slots: number[] = [];
    const expected: string[] = [];
    const n = HIST_ALPHABET.length - 1;
    for (let x = 0; x < n * n * n; x++) {
      const slot = allocTcp(t);
      // Half the histories share their first five letters (the first packed word) and differ after them.
      const digits = [1 + (x % n), 1 + (Math.floor(x / n) % n), 1 + Math.floor(x / n / n)];
      const len = x % 2 === 0 ? 1 + (x % 13) : 9;
      let text = '';
      for (let k = 0; k < len; k++) {
        const c = x % 2 === 0 ? digits[k % 3]! : k < 5 ? HL_S : digits[(k - 5) % 3]!;
        t.addHistoryLetter(slot, c);
        text += HIST_ALPHABET[c];
      }
      slots.push(slot);
      expected.push(text);
    }
    for (let round = 0; round < 2; round++) {
      for (let k = 0; k < slots.length; k++) {
        if (t.history(slots[k]!) !== expected[k]) expect(t.history(slots[k]!)).toBe(expected[k]);
      }
    }
  });

  it('adds a letter once per mask bit', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    expect(t.checkHistory(slot, 0x10, 'D')).toBe(false);
    expect(t.checkHistory(slot, 0x10, 'D')).toBe(true);
    expect(t.checkHistoryLetter(slot, 0x10, HL_D)).toBe(true);
    expect(t.checkHistory(slot, 0x10 << 16, 'd')).toBe(false);
    expect(t.checkHistoryLetter(slot, 0x10 << 16, HL_D + HIST_RESP)).toBe(true);
    expect(t.history(slot)).toBe('Dd');
  });

  it('appends ^ on a flip, in the record and past it, without swapping the history', () => {
    const t = new FlowTable();
    const udp = t.alloc(5, '10.0.0.1', 1, 123, '10.0.0.2', 2, 123, PROTO_UDP, 17);
    t.checkHistory(udp, 0x10, 'D');
    t.flipRoles(udp);
    t.checkHistory(udp, 0x10 << 16, 'd');
    expect(t.history(udp)).toBe('D^d');
    const tcp = allocTcp(t);
    let expected = '';
    for (let k = 0; k < 2 * HIST_PACKED_MAX; k++) {
      if (k % 3 === 2) {
        t.flipRoles(tcp);
        expected += '^';
      } else {
        t.addHistoryLetter(tcp, HL_S + (k & 1) * HIST_RESP);
        expected += k & 1 ? 's' : 'S';
      }
    }
    expect(t.history(tcp)).toBe(expected);
    expect(t.history(udp)).toBe('D^d');
    expect(t.str[tcp * SLOT_STR + S_ORIG_H]).toBe('10.0.0.2'); // flipped an odd number of times (11)
  });

  it('counts checksum errors as scaled C/c letters', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    for (let k = 0; k < 100; k++) t.addChecksumError(slot, 0);
    for (let k = 0; k < 10; k++) t.addChecksumError(slot, 1);
    expect(t.history(slot)).toBe('CCCcc');
    t.addHistoryLetter(slot, HL_C + HIST_RESP);
    expect(t.history(slot)).toBe('CCCccc');
  });

  it('does not touch the fields before it or the next slot', () => {
    const t = new FlowTable();
    const a = allocTcp(t);
    const b = allocTcp(t);
    t.i32[a * SLOT_I32 + I_RESP_N] = -1;
    for (let k = 0; k < HIST_PACKED_MAX + 3; k++) t.addHistoryLetter(a, HIST_ALPHABET.length - 1);
    expect(t.i32[a * SLOT_I32 + I_RESP_N]).toBe(-1);
    expect(t.history(b)).toBe('');
    expect(I_HIST_PACKED + 3).toBeLessThanOrEqual(SLOT_I32);
  });

  it('starts a reused slot with an empty history', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    for (let k = 0; k < HIST_PACKED_MAX + 5; k++) t.addHistoryLetter(slot, HL_FLIP);
    expect(t.history(slot)).toBe('^'.repeat(HIST_PACKED_MAX + 5));
    t.release(slot);
    const again = allocTcp(t);
    expect(again).toBe(slot);
    expect(t.history(again)).toBe('');
    expect(toFlowRecord(t, again).history).toBeNull();
    t.checkHistory(again, 1, 'S');
    expect(t.history(again)).toBe('S');
    expect(toFlowRecord(t, again).history).toBe('S');
  });

  it('keeps letters outside the alphabet (the whole history then moves to the string)', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    t.checkHistory(slot, 1, 'S');
    t.checkHistory(slot, 2, 'x');
    t.checkHistory(slot, 4, 'Ab');
    t.addHistoryLetter(slot, HL_D);
    t.flipRoles(slot);
    expect(t.history(slot)).toBe('SxAbD^');
    t.release(slot);
    const again = allocTcp(t);
    expect(t.history(again)).toBe('');
    t.addHistoryLetter(again, HL_D);
    expect(t.history(again)).toBe('D');
  });

  it('replaces the history (setHistory)', () => {
    const t = new FlowTable();
    const slot = allocTcp(t);
    t.checkHistory(slot, 1, 'H');
    t.flipRoles(slot);
    t.setHistory(slot, '^h');
    expect(t.history(slot)).toBe('^h');
    t.checkHistory(slot, 0x20, 'A');
    expect(t.history(slot)).toBe('^hA');
  });
});
