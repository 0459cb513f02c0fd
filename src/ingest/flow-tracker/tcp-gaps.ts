/**
 * Content gaps as Zeek's TCP reassembler finds them (`TCP_Reassembler::
 * AckReceived` / `Gap`), without keeping any payload: per endpoint, the
 * relative sequence up to which data was seen contiguously (`EF_REASSEM_NEXT`),
 * plus one range of captured data beyond a hole (`EF_BUF_START`/`EF_BUF_END`,
 * enough for a reordered segment). When the peer acknowledges sequence space
 * past what was seen (the acknowledgement of a FIN not counting the FIN's
 * octet), the unseen part is a gap: it adds `G`/`g` to the history (at the
 * 1st, 10th, 100th... gap) and its length to `missed_bytes` — only while both
 * endpoints are cleanly established (ESTABLISHED, or CLOSED after
 * ESTABLISHED), as Zeek reports them. Payload the snap length cut off counts
 * as unseen, as in Zeek (such segments are not delivered to the reassembler).
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
      absorbBuffer(t, e);
    }
    return;
  }
  // Beyond a hole: remember it if it touches the buffered range (or the buffer is empty).
  const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
  const be = t.f64[e * EP_F64 + EF_BUF_END]!;
  if (be <= bs) {
    t.f64[e * EP_F64 + EF_BUF_START] = seq;
    t.f64[e * EP_F64 + EF_BUF_END] = end;
  } else if (seq <= be && end >= bs) {
    t.f64[e * EP_F64 + EF_BUF_START] = Math.min(bs, seq);
    t.f64[e * EP_F64 + EF_BUF_END] = Math.max(be, end);
  }
}

function absorbBuffer(t: FlowTable, e: number): void {
  const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
  const be = t.f64[e * EP_F64 + EF_BUF_END]!;
  if (be <= bs) return;
  const next = t.f64[e * EP_F64 + EF_REASSEM_NEXT]!;
  if (bs <= next) {
    if (be > next) t.f64[e * EP_F64 + EF_REASSEM_NEXT] = be;
    t.f64[e * EP_F64 + EF_BUF_START] = 0;
    t.f64[e * EP_F64 + EF_BUF_END] = 0;
  }
}

/** The peer acknowledged endpoint `e`'s data up to relative sequence `ack`. */
export function noteTcpAck(t: FlowTable, slot: number, e: number, ack: number): void {
  if (Number.isNaN(ack)) return;
  if (t.u32[e * EP_I32 + EI_FIN_CNT]! > 0 && ack >= t.f64[e * EP_F64 + EF_FIN_SEQ]!) ack = t.f64[e * EP_F64 + EF_FIN_SEQ]! - 1;
  const next = t.f64[e * EP_F64 + EF_REASSEM_NEXT]!;
  if (ack <= next) return;
  // The unseen part: up to the buffered range when there is one in between.
  const bs = t.f64[e * EP_F64 + EF_BUF_START]!;
  const be = t.f64[e * EP_F64 + EF_BUF_END]!;
  const hasBuffer = be > bs;
  const gapEnd = hasBuffer && bs < ack ? bs : ack;
  const missing = gapEnd - next;
  if (missing > 0 && isClean(t, e) && isClean(t, e ^ 1)) {
    t.f64[slot * SLOT_F64 + F_MISSED_BYTES] = t.f64[slot * SLOT_F64 + F_MISSED_BYTES]! + missing;
    const c = t.u32[e * EP_I32 + EI_GAP_CNT]! + 1;
    t.u32[e * EP_I32 + EI_GAP_CNT] = c;
    if (c === t.u32[e * EP_I32 + EI_GAP_THRESH]) {
      t.addHistoryLetter(slot, HL_G + (e & 1) * HIST_RESP);
      t.u32[e * EP_I32 + EI_GAP_THRESH] = c >= 1e9 ? 0 : c * 10;
    }
  }
  t.f64[e * EP_F64 + EF_REASSEM_NEXT] = gapEnd;
  absorbBuffer(t, e);
  if (t.f64[e * EP_F64 + EF_REASSEM_NEXT]! < ack) t.f64[e * EP_F64 + EF_REASSEM_NEXT] = ack;
}
