/**
 * One message of the records stream: records of one type for one
 * (family, partition), from one input file, with their ordinals there.
 *
 *   {"v":1,"file":"conn.log:2049:1311:0","type":"flows","ords":[0,3,7],"records":[{...FlowRecord}, ...]}
 *
 * Records keep their field names (FlowRecord, DnsRecord, ... as in
 * src/types.ts), so any consumer reads them. `msgId` is the message's
 * `Nats-Msg-Id`: the file, the subject and the ordinal range, so a message
 * published again (a retried publish, a re-ship cut the same way) is
 * dropped by the stream; a re-ship cut differently is caught by the
 * worker's per-file ordinal (see worker-lane.ts).
 */
import type { RecordType, RoutedRecords } from './route-records.js';
import { RECORD_TYPES } from './route-records.js';

export const RECORD_MESSAGE_VERSION = 1;
/** Records per message at most (a message stays far below NATS' default 1 MiB payload). */
export const MAX_RECORDS_PER_MESSAGE = 1000;

export interface RecordMessage {
  file: string;
  type: RecordType;
  ords: number[];
  records: unknown[];
}

export interface EncodedRecordMessage {
  family: RoutedRecords['family'];
  partition: number;
  msgId: string;
  data: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The messages for routed records of `file`, at most MAX_RECORDS_PER_MESSAGE records each. */
export function encodeRecordMessages(file: string, routed: RoutedRecords, maxRecords = MAX_RECORDS_PER_MESSAGE): EncodedRecordMessage[] {
  const out: EncodedRecordMessage[] = [];
  for (let i = 0; i < routed.records.length; i += maxRecords) {
    const ords = routed.ordinals.slice(i, i + maxRecords);
    const body = { v: RECORD_MESSAGE_VERSION, file, type: routed.type, ords, records: routed.records.slice(i, i + maxRecords) };
    out.push({
      family: routed.family,
      partition: routed.partition,
      msgId: `${file}|${routed.family}.${routed.partition}|${routed.type}:${ords[0]}-${ords[ords.length - 1]}`,
      data: enc.encode(JSON.stringify(body)),
    });
  }
  return out;
}

/** Decodes a message; a malformed one is a string saying what is wrong. */
export function decodeRecordMessage(data: Uint8Array): RecordMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(dec.decode(data));
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof m !== 'object' || m === null) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (o.v !== RECORD_MESSAGE_VERSION) return `version ${String(o.v)}, expected ${RECORD_MESSAGE_VERSION}`;
  if (typeof o.file !== 'string') return 'no file';
  if (typeof o.type !== 'string' || !(RECORD_TYPES as readonly string[]).includes(o.type)) return `unknown record type ${String(o.type)}`;
  if (!Array.isArray(o.ords) || !Array.isArray(o.records) || o.ords.length !== o.records.length) return 'ords and records differ in length';
  if (!o.ords.every((n) => Number.isInteger(n))) return 'ords are not integers';
  if (!o.records.every((r) => typeof r === 'object' && r !== null)) return 'a record is not an object';
  return { file: o.file, type: o.type as RecordType, ords: o.ords as number[], records: o.records };
}
