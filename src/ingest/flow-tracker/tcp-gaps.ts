/**
 * Content gaps as Zeek's TCP reassembler finds them (`TCP_Reassembler::
 * AckReceived` / `Undelivered` / `Gap`), without keeping any payload: per
 * endpoint, the relative sequence up to which data was seen contiguously
 * (`EF_REASSEM_NEXT`), plus the ranges of captured data beyond holes: the
 * lowest in the record (`EF_BUF_START`/`EF_BUF_END`, enough for a reordered
 * segment), any further ones in `FlowTable.gapRanges` (a capture that lost
 * several segments in a row of a window). When the peer acknowledges
 * sequence space past what was seen (the acknowledgement of a FIN not
 * counting the FIN's octet), every unseen stretch below the acknowledgement
 * is a gap, as Zeek's `Undelivered` reports them one by one: each adds
 * `G`/`g` to the history (at the 1st, 10th, 100th... gap) and its length to
 * `missed_bytes` — only while both endpoints are cleanly established
 * (ESTABLISHED, or CLOSED after ESTABLISHED), as Zeek reports them. Payload
 * the snap length cut off counts as unseen, as in Zeek (such segments are
 * not delivered to the reassembler).
 */
import {
  EF_BUF_END,
  EF_BUF_START,
  EF_FIN_SEQ,
  EF_REASSEM_NEXT,
  EI_FIN_CNT,
  EI_GAP_CNT,
  EI_GAP_THRESH,
  EI_PREV_STATE,
  EI_STATE,
  EP_F64,
  EP_I32,
  F_MISSED_BYTES,
  type FlowTable,
  HIST_RESP,
  HL_G,
  SLOT_F64,
} from './flow-table.js';
import { TCP_CLOSED, TCP_ESTABLISHED } from './tcp-endpoint.js';

function isClean(t: FlowTable, e: number): boolean {
  const s = t.u32[e * EP_I32 + EI_STATE];
  return s === TCP_ESTABLISHED || (s === TCP_CLOSED && t.u32[e * EP_I32 + EI_PREV_STATE] === TCP_ESTABLISHED);
}

/** Endpoint `e` sent `len` payload bytes at relative data sequence `seq`; `captured`: all of them are in the capture. */
export function noteTcpData(t: FlowTable, e: number, seq: number, len: number, captured: boolean): void {
  if (len <= 0 || !captured || Number.isNaN(seq)) return;
  const end = seq + len;
  const next = t.f64[e * EP_F64 + EF_REASSEM_NEXT]!;
  if (seq <= next) {
    if (end > next) {
      t.f64[e * EP_F64 + EF_REASSEM_NEXT] = end;
      absorbRanges(t, e);
    }
    return;
  }
  // Beyond a hole. The common cases first: no range yet, or one that this data touches.
  const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
  const be = t.f64[e * EP_F64 + EF_BUF_END]!;
  if (be <= bs) {
    t.f64[e * EP_F64 + EF_BUF_START] = seq;
    t.f64[e * EP_F64 + EF_BUF_END] = end;
  } else if (seq <= be && end >= bs && !t.gapRanges.has(e)) {
    t.f64[e * EP_F64 + EF_BUF_START] = Math.min(bs, seq);
    t.f64[e * EP_F64 + EF_BUF_END] = Math.max(be, end);
  } else {
    addRange(t, e, seq, end);
  }
}

/** Adds [seq, end) to endpoint `e`'s ranges beyond holes, merging what it touches; the lowest stays in the record. */
function addRange(t: FlowTable, e: number, seq: number, end: number): void {
  const all = [t.f64[e * EP_F64 + EF_BUF_START]!, t.f64[e * EP_F64 + EF_BUF_END]!, ...(t.gapRanges.get(e) ?? [])];
  const merged: number[] = [];
  let placed = false;
  for (let i = 0; i < all.length; i += 2) {
    const s = all[i]!;
    const x = all[i + 1]!;
    if (x < seq) merged.push(s, x);
    else if (s > end) {
      if (!placed) merged.push(seq, end);
      placed = true;
      merged.push(s, x);
    } else {
      seq = Math.min(seq, s);
      end = Math.max(end, x);
    }
  }
  if (!placed) merged.push(seq, end);
  merged.sort((a, b) => a - b);
  setRanges(t, e, merged);
}

/** Stores sorted ranges: the first in the record, the rest in the table's map (or none). */
function setRanges(t: FlowTable, e: number, r: number[]): void {
  t.f64[e * EP_F64 + EF_BUF_START] = r.length > 0 ? r[0]! : 0;
  t.f64[e * EP_F64 + EF_BUF_END] = r.length > 0 ? r[1]! : 0;
  if (r.length > 2) t.gapRanges.set(e, r.slice(2));
  else t.gapRanges.delete(e);
}

/** Drops endpoint `e`'s lowest range beyond a hole; the next one (if any) takes its place. */
function popRange(t: FlowTable, e: number): void {
  const rest = t.gapRanges.get(e);
  if (rest === undefined) {
    t.f64[e * EP_F64 + EF_BUF_START] = 0;
    t.f64[e * EP_F64 + EF_BUF_END] = 0;
  } else setRanges(t, e, rest);
}

/** The contiguous data reached the ranges beyond holes: takes in those it now touches. */
function absorbRanges(t: FlowTable, e: number): void {
  for (;;) {
    const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
    const be = t.f64[e * EP_F64 + EF_BUF_END]!;
    if (be <= bs) return;
    const next = t.f64[e * EP_F64 + EF_REASSEM_NEXT]!;
    if (bs > next) return;
    if (be > next) t.f64[e * EP_F64 + EF_REASSEM_NEXT] = be;
    popRange(t, e);
  }
}

/** One content gap of `missing` bytes (Zeek `TCP_Endpoint::Gap`): missed bytes and the scaled history letter. */
function gap(t: FlowTable, slot: number, e: number, missing: number): void {
  if (missing <= 0 || !isClean(t, e) || !isClean(t, e ^ 1)) return;
  t.f64[slot * SLOT_F64 + F_MISSED_BYTES] = t.f64[slot * SLOT_F64 + F_MISSED_BYTES]! + missing;
  const c = t.u32[e * EP_I32 + EI_GAP_CNT]! + 1;
  t.u32[e * EP_I32 + EI_GAP_CNT] = c;
  if (c === t.u32[e * EP_I32 + EI_GAP_THRESH]) {
    t.addHistoryLetter(slot, HL_G + (e & 1) * HIST_RESP);
    t.u32[e * EP_I32 + EI_GAP_THRESH] = c >= 1e9 ? 0 : c * 10;
  }
}

/** The peer acknowledged endpoint `e`'s data up to relative sequence `ack`. */
export function noteTcpAck(t: FlowTable, slot: number, e: number, ack: number): void {
  if (Number.isNaN(ack)) return;
  if (t.u32[e * EP_I32 + EI_FIN_CNT]! > 0 && ack >= t.f64[e * EP_F64 + EF_FIN_SEQ]!) ack = t.f64[e * EP_F64 + EF_FIN_SEQ]! - 1;
  let next = t.f64[e * EP_F64 + EF_REASSEM_NEXT]!;
  if (ack <= next) return;
  // Zeek's Undelivered: each hole before a range that starts below the acknowledgement is a gap, the
  // range is delivered; then what is left up to the acknowledgement is a gap too.
  for (;;) {
    const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
    const be = t.f64[e * EP_F64 + EF_BUF_END]!;
    if (be <= bs || bs >= ack) break;
    gap(t, slot, e, bs - next);
    if (be > next) next = be;
    popRange(t, e);
  }
  if (ack > next) {
    gap(t, slot, e, ack - next);
    next = ack;
  }
  t.f64[e * EP_F64 + EF_REASSEM_NEXT] = next;
  absorbRanges(t, e);
}
