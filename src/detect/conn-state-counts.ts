/**
 * A beacon pair's counts of connection states (Zeek conn_state, "-" for a record
 * without one), held in fixed fields of the pair, first-seen order kept,
 * for the evidence's `connStates`.
 *
 * 1. The first three distinct states are slots of the pair
 *    (`state0`..`state2`, each with its count; a slot whose count is 0 is
 *    free); a fourth and later distinct state goes to `moreStates`, an
 *    object made when one comes (a pair of one network mostly sees one to
 *    three: 11,584 / 2,320 / 1,145 pairs of 20+ connections of the
 *    realistic 2M-line log, and 300 with more).
 * 2. `stateTally` builds the evidence: the slots, then `moreStates`, each
 *    set on a new object in first-seen order, which is how the object of
 *    counts these fields replace was filled, so its keys come in the same
 *    order.
 *
 * The object of counts itself (`{ [first]: 1 }`, then `states[st]++` per
 * record) took a new hidden class per combination of states seen and a
 * keyed store per record through V8's megamorphic cache, and deoptimised
 * the code storing to it ("wrong map") whenever a combination appeared
 * mid-run; a `Map` instead was slower still (1.023× instructions on the
 * 200k-line realistic log). The same fields in scan-detector.ts, whose
 * keys mostly see one state and made no object of counts for it, measured
 * no gain (1.018× and 1.003× instructions on the realistic and
 * findings-heavy 200k-line logs, detector-cpu.mjs 0.95-1.01×) and were
 * not kept.
 */

/** The fields of a pair that hold its state counts. */
export interface ConnStateCounts {
  state0: string;
  count0: number;
  state1: string;
  count1: number;
  state2: string;
  count2: number;
  /** Counts of the fourth and later distinct states, in first-seen order; null until one comes. */
  moreStates: Record<string, number> | null;
}

/** Counts one record of state `st`. */
export function countState(c: ConnStateCounts, st: string): void {
  if (st === c.state0) c.count0++;
  else if (c.count1 === 0) {
    c.state1 = st;
    c.count1 = 1;
  } else if (st === c.state1) c.count1++;
  else if (c.count2 === 0) {
    c.state2 = st;
    c.count2 = 1;
  } else if (st === c.state2) c.count2++;
  else countMoreState(c, st);
}

/** `countState` past the slots (rare). */
function countMoreState(c: ConnStateCounts, st: string): void {
  c.moreStates ??= {};
  c.moreStates[st] = (c.moreStates[st] ?? 0) + 1;
}

/** The counts by state, first seen first, as a new object (empty while nothing was counted). */
export function stateTally(c: ConnStateCounts): Record<string, number> {
  if (c.count0 === 0) return {};
  const t: Record<string, number> = { [c.state0]: c.count0 };
  if (c.count1 > 0) t[c.state1] = c.count1;
  if (c.count2 > 0) t[c.state2] = c.count2;
  const more = c.moreStates;
  if (more !== null) for (const st of Object.keys(more)) t[st] = more[st]!;
  return t;
}

/** Sets `c` to the counts of `tally` (as `stateTally` made it, or an object of counts a state was written with), in its order. */
export function setStateCounts(c: ConnStateCounts, tally: Record<string, number>): void {
  c.count1 = 0;
  c.count2 = 0;
  c.moreStates = null;
  let i = 0;
  for (const st of Object.keys(tally)) {
    const n = tally[st]!;
    if (i === 0) {
      c.state0 = st;
      c.count0 = n;
    } else if (i === 1) {
      c.state1 = st;
      c.count1 = n;
    } else if (i === 2) {
      c.state2 = st;
      c.count2 = n;
    } else {
      c.moreStates ??= {};
      c.moreStates[st] = n;
    }
    i++;
  }
}
