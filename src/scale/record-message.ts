/**
 * One message of the records stream: records of one type for one
 * (family, partition), from one input file, with their ordinals there.
 *
 *   {"v":1,"file":"conn.log:2049:1311:0","type":"flows","from":-1,"ords":[0,3,7],"records":[{...FlowRecord}, ...]}
 *
 * Records keep their field names (FlowRecord, DnsRecord, ... as in
 * src/types.ts), so any consumer reads them.
 *
 * Coverage: a message holds every record of its subject, file and type
 * whose ordinal is in (from, last ord]; the shipper chains `from` to the
 * previous message of the subject, so a subject's messages cover the file
 * without gaps even where a batch had nothing for it. A worker drops a
 * record whose ordinal a message it already took covered (a re-ship after
 * a crash, cut differently), and takes one in a gap (a publish that was
 * retried after later ones were stored). `msgId` (the `Nats-Msg-Id`) is
 * the file, the subject and the ordinal range, so a message published
 * again as it was is dropped by the stream itself.
 */
import type { RecordType, RoutedRecords } from './route-records.js';
import { RECORD_TYPES } from './route-records.js';

export const RECORD_MESSAGE_VERSION = 1;
/** Records per message at most (a message stays far below NATS' default 1 MiB payload). */
export const MAX_RECORDS_PER_MESSAGE = 1000;

export interface RecordMessage {
  file: string;
  type: RecordType;
  /** Exclusive lower bound of the ordinals this message covers. */
  from: number;
  ords: number[];
  records: unknown[];
}

export interface EncodedRecordMessage {
  family: RoutedRecords['family'];
  partition: number;
  msgId: string;
  data: Uint8Array;
}

// Buffer's UTF-8 conversions, not TextEncoder/TextDecoder: several times faster on Node 20 for messages of this size.
const toText = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');

/**
 * Appends to `out` the messages for routed records of `file`, at most
 * `maxRecords` records each, the first covering from `from` (exclusive);
 * returns the last ordinal covered (the next message's `from`).
 */
export function encodeRecordMessages(file: string, routed: RoutedRecords, from: number, out: EncodedRecordMessage[], maxRecords = MAX_RECORDS_PER_MESSAGE): number {
  let cover = from;
  for (let i = 0; i < routed.records.length; i += maxRecords) {
    const ords = routed.ordinals.slice(i, i + maxRecords);
    const body = { v: RECORD_MESSAGE_VERSION, file, type: routed.type, from: cover, ords, records: routed.records.slice(i, i + maxRecords) };
    cover = ords[ords.length - 1] as number;
    out.push({
      family: routed.family,
      partition: routed.partition,
      msgId: `${file}|${routed.family}.${routed.partition}|${routed.type}:${ords[0]}-${ords[ords.length - 1]}`,
      data: Buffer.from(JSON.stringify(body), 'utf8'),
    });
  }
  return cover;
}

/** Decodes a message; a malformed one is a string saying what is wrong. */
export function decodeRecordMessage(data: Uint8Array): RecordMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(toText(data));
  } catch (e) {
    return `not JSON: ${(e as Error).message}`;
  }
  if (typeof m !== 'object' || m === null) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  if (o.v !== RECORD_MESSAGE_VERSION) return `version ${String(o.v)}, expected ${RECORD_MESSAGE_VERSION}`;
  if (typeof o.file !== 'string') return 'no file';
  if (typeof o.type !== 'string' || !(RECORD_TYPES as readonly string[]).includes(o.type)) return `unknown record type ${String(o.type)}`;
  if (!Array.isArray(o.ords) || !Array.isArray(o.records) || o.ords.length !== o.records.length) return 'ords and records differ in length';
  if (!Number.isSafeInteger(o.from)) return 'no "from" ordinal';
  let prev = o.from as number;
  for (const n of o.ords) {
    if (!Number.isSafeInteger(n) || n <= prev) return 'ords are not increasing integers above "from"';
    prev = n;
  }
  if (!o.records.every((r) => typeof r === 'object' && r !== null)) return 'a record is not an object';
  return { file: o.file, type: o.type as RecordType, from: o.from as number, ords: o.ords as number[], records: o.records };
}
