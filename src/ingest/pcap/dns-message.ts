/**
 * DNS message parser (RFC 1035) for the capture path: header flags and
 * counts, the question section, and the answer section rendered as Zeek's
 * dns.log `answers` column renders it:
 *
 *   A, AAAA          the address text (IPv6 compressed)
 *   NS, CNAME, PTR,  the name (without the trailing dot);
 *   MB, MD, MF, MG,  MX and SRV give their exchange / target name,
 *   MR, MX, SRV,     SOA its primary name server (mname)
 *   SOA
 *   TXT, SPF         "TXT <len> <text>" per character-string, joined by a space
 *   CAA              "<flags> <tag> <value>"
 *   anything else    "<unknown type=N>"
 *
 * Bytes outside printable ASCII in names and texts are written `\xNN`, as
 * Zeek's ASCII log writer escapes them.
 *
 * Bad input never throws: fewer than 12 bytes give null; anything wrong
 * after the header (a label running past the message, a compression pointer
 * out of range or in a loop, a reserved label type, a name over 255 bytes,
 * a record running past the message) stops the parse and is reported in
 * `problem` (with `problemOffset`), keeping what was parsed before it.
 * Work per message is bounded: at most 32 compression jumps and 128 labels
 * per name, and every record consumes at least 5 bytes of the message.
 */
import { formatIpv4Uncached, formatIpv6Uncached } from './format-address.js';

export interface DnsQuestion {
  name: string;
  qtype: number;
  qclass: number;
}

export interface DnsAnswer {
  name: string;
  type: number;
  rclass: number;
  ttl: number;
  /** The rdata as Zeek's dns.log prints it (see the file comment). */
  data: string;
}

export interface DnsMessage {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** The Z bit (RFC 1035 reserved; AD and CD are separate). */
  z: number;
  ad: boolean;
  cd: boolean;
  rcode: number;
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
  questions: DnsQuestion[];
  /** The answer section only (Zeek's `answers`), not authority or additional records. */
  answers: DnsAnswer[];
  /** Bytes of the message parsed (after the TCP length prefix, if any). */
  length: number;
  /** What stopped the parse early, or null when the question and answer sections parsed whole. */
  problem: string | null;
  /** Offset of the problem from the message start (-1 when none). */
  problemOffset: number;
}

const MAX_POINTER_JUMPS = 32;
const MAX_LABELS = 128;
const MAX_NAME_BYTES = 255;

class DnsParseProblem {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/**
 * Parses the DNS message in `bytes[offset .. offset+length)`. Returns null
 * when fewer than the 12 header bytes are there.
 */
export function parseDnsMessage(bytes: Uint8Array, offset: number, length: number): DnsMessage | null {
  const msg = parseDnsMessageInto(emptyDnsMessage(), bytes, offset, length);
  if (msg === null) return null;
  // The caller owns these arrays (the shared empty ones must not be handed out).
  if (msg.questions === NO_QUESTIONS) msg.questions = [];
  if (msg.answers === NO_ANSWERS) msg.answers = [];
  return msg;
}

/** A message with every field empty, for parseDnsMessageInto to fill. */
export function emptyDnsMessage(): DnsMessage {
  return {
    id: 0,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: false,
    ra: false,
    z: 0,
    ad: false,
    cd: false,
    rcode: 0,
    qdcount: 0,
    ancount: 0,
    nscount: 0,
    arcount: 0,
    questions: NO_QUESTIONS,
    answers: NO_ANSWERS,
    length: 0,
    problem: null,
    problemOffset: -1,
  };
}

/**
 * The sections of a message without questions or answers, shared: never added to (a parse
 * replaces them by a new array before adding) and never to be handed to a caller who may.
 */
const NO_QUESTIONS: DnsQuestion[] = [];
const NO_ANSWERS: DnsAnswer[] = [];

/**
 * parseDnsMessage into `msg`, every field overwritten; for a caller that reads the message
 * before the next parse and keeps none of it but the question and answer objects (the DNS
 * tracker: a message object and two empty arrays per DNS packet were 17 of the 27 MB the parse
 * allocated on capture-realistic-1100000.pcap's 74,792 DNS messages, sampled). An empty
 * section is a shared empty array, not to be added to.
 */
export function parseDnsMessageInto(msg: DnsMessage, bytes: Uint8Array, offset: number, length: number): DnsMessage | null {
  const end = Math.min(bytes.length, offset + length);
  if (offset < 0 || end - offset < 12) return null;
  const b = bytes;
  const o = offset;
  const flags = (b[o + 2]! << 8) | b[o + 3]!;
  msg.id = (b[o]! << 8) | b[o + 1]!;
  msg.qr = (flags & 0x8000) !== 0;
  msg.opcode = (flags >> 11) & 0x0f;
  msg.aa = (flags & 0x0400) !== 0;
  msg.tc = (flags & 0x0200) !== 0;
  msg.rd = (flags & 0x0100) !== 0;
  msg.ra = (flags & 0x0080) !== 0;
  msg.z = (flags >> 6) & 1;
  msg.ad = (flags & 0x0020) !== 0;
  msg.cd = (flags & 0x0010) !== 0;
  msg.rcode = flags & 0x0f;
  msg.qdcount = (b[o + 4]! << 8) | b[o + 5]!;
  msg.ancount = (b[o + 6]! << 8) | b[o + 7]!;
  msg.nscount = (b[o + 8]! << 8) | b[o + 9]!;
  msg.arcount = (b[o + 10]! << 8) | b[o + 11]!;
  msg.questions = NO_QUESTIONS;
  msg.answers = NO_ANSWERS;
  msg.length = end - offset;
  msg.problem = null;
  msg.problemOffset = -1;
  let pos = o + 12;
  questionNameAt = -1;
  try {
    for (let i = 0; i < msg.qdcount; i++) {
      const nameAt = pos;
      const name = readName(b, o, end, pos);
      pos = readEnd;
      if (i === 0 && !readJumped) {
        questionNameAt = nameAt;
        questionName = name;
      }
      if (pos + 4 > end) throw new DnsParseProblem(`question ${i + 1} ends before its type and class`, pos - o);
      const qtype = (b[pos]! << 8) | b[pos + 1]!;
      const qclass = (b[pos + 2]! << 8) | b[pos + 3]!;
      pos += 4;
      // A literal of one element for the usual single question (pushing into [] makes a backing store of 17 slots).
      if (i === 0) msg.questions = [{ name, qtype, qclass }];
      else msg.questions.push({ name, qtype, qclass });
    }
    for (let i = 0; i < msg.ancount; i++) {
      const answer = readAnswer(b, o, end, pos, i);
      if (i === 0) msg.answers = [answer];
      else msg.answers.push(answer);
      pos = readEnd;
    }
  } catch (e) {
    if (!(e instanceof DnsParseProblem)) throw e;
    msg.problem = e.message;
    msg.problemOffset = e.offset;
  }
  return msg;
}

/**
 * Parses DNS over TCP: a 2-byte length prefix, then the message. When the
 * prefix announces more than the segment holds (the message continues in
 * later segments), the part present is parsed and `problem` says so.
 */
export function parseDnsOverTcp(bytes: Uint8Array, offset: number, length: number): DnsMessage | null {
  const msg = parseDnsOverTcpInto(emptyDnsMessage(), bytes, offset, length);
  if (msg === null) return null;
  if (msg.questions === NO_QUESTIONS) msg.questions = [];
  if (msg.answers === NO_ANSWERS) msg.answers = [];
  return msg;
}

/** parseDnsOverTcp into `msg`, as parseDnsMessageInto. */
export function parseDnsOverTcpInto(msg: DnsMessage, bytes: Uint8Array, offset: number, length: number): DnsMessage | null {
  const end = Math.min(bytes.length, offset + length);
  if (end - offset < 2) return null;
  const msgLen = (bytes[offset]! << 8) | bytes[offset + 1]!;
  const present = end - offset - 2;
  const parsed = parseDnsMessageInto(msg, bytes, offset + 2, Math.min(msgLen, present));
  if (parsed !== null && msgLen > present && msg.problem === null) {
    msg.problem = `TCP length prefix announces ${msgLen} bytes but the segment holds ${present}`;
    msg.problemOffset = present;
  }
  return parsed;
}

/** Reads the resource record at `start`; `readEnd` is then the offset after it. */
function readAnswer(b: Uint8Array, o: number, end: number, start: number, index: number): DnsAnswer {
  const name = readName(b, o, end, start);
  let p = readEnd;
  if (p + 10 > end) throw new DnsParseProblem(`answer ${index + 1} ends inside its fixed fields`, p - o);
  const type = (b[p]! << 8) | b[p + 1]!;
  const rclass = (b[p + 2]! << 8) | b[p + 3]!;
  const ttl = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
  const rdlen = (b[p + 8]! << 8) | b[p + 9]!;
  p += 10;
  const rdEnd = p + rdlen;
  if (rdEnd > end) throw new DnsParseProblem(`answer ${index + 1} rdata of ${rdlen} bytes runs past the message end`, p - o);
  let data: string;
  switch (type) {
    case 1:
      if (rdlen !== 4) throw new DnsParseProblem(`answer ${index + 1}: A rdata of ${rdlen} bytes, expected 4`, p - o);
      data = formatIpv4Uncached(b, p);
      break;
    case 28:
      if (rdlen !== 16) throw new DnsParseProblem(`answer ${index + 1}: AAAA rdata of ${rdlen} bytes, expected 16`, p - o);
      data = formatIpv6Uncached(b, p);
      break;
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
    case 8:
    case 9:
    case 12:
    case 6:
      data = readName(b, o, rdEnd, p);
      break;
    case 15:
      if (rdlen < 3) throw new DnsParseProblem(`answer ${index + 1}: MX rdata of ${rdlen} bytes`, p - o);
      data = readName(b, o, rdEnd, p + 2);
      break;
    case 33:
      if (rdlen < 7) throw new DnsParseProblem(`answer ${index + 1}: SRV rdata of ${rdlen} bytes`, p - o);
      data = readName(b, o, rdEnd, p + 6);
      break;
    case 16:
    case 99:
      data = readCharacterStrings(b, p, rdEnd, type === 16 ? 'TXT' : 'SPF');
      break;
    case 257: {
      if (rdlen < 2) throw new DnsParseProblem(`answer ${index + 1}: CAA rdata of ${rdlen} bytes`, p - o);
      const tagLen = b[p + 1]!;
      if (p + 2 + tagLen > rdEnd) throw new DnsParseProblem(`answer ${index + 1}: CAA tag runs past its rdata`, p - o);
      data = `${b[p]} ${escapeBytes(b, p + 2, p + 2 + tagLen)} ${escapeBytes(b, p + 2 + tagLen, rdEnd)}`;
      break;
    }
    default:
      data = `<unknown type=${type}>`;
  }
  readEnd = rdEnd;
  return { name, type, rclass, ttl, data };
}

/** TXT/SPF rdata: length-prefixed strings, each "TXT <len> <text>", joined by a space (Zeek). */
function readCharacterStrings(b: Uint8Array, p: number, rdEnd: number, label: string): string {
  let out = '';
  while (p < rdEnd) {
    const len = b[p]!;
    const start = p + 1;
    const stop = Math.min(start + len, rdEnd);
    if (out.length > 0) out += ' ';
    out += `${label} ${stop - start} ${escapeBytes(b, start, stop)}`;
    p = start + len;
  }
  return out;
}

/** Where the last readName or readAnswer stopped (a module variable rather than a cursor object per call). */
let readEnd = 0;
/** Whether the last readName followed a compression pointer. */
let readJumped = false;

/**
 * The first question's name, when it has no compression pointer: its offset in
 * the buffer of the message being parsed (-1: none) and its text. Answer names
 * and rdata names are mostly a lone pointer to it (c0 0c); such a name is that
 * text, so it is not decoded again (measured: parsing the 74,792 DNS messages of
 * capture-realistic-1100000.pcap took 16 % less CPU, median of 9 interleaved rounds).
 */
let questionNameAt = -1;
let questionName = '';

/**
 * A name's text is assembled here, escapes included (at most 255 name bytes,
 * 4 characters each), and decoded once: appending a string per character
 * made most of a capture's DNS garbage (measured: 48 of 120 MB the DNS path
 * allocated on capture-realistic-1100000.pcap).
 */
const nameText = Buffer.allocUnsafe(MAX_NAME_BYTES * 4);
const HEX_DIGITS = '0123456789abcdef';

/** Buffer's one-byte decode of a range, without toString's argument handling. */
interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Reads a possibly compressed name starting at `start`; `readEnd` is then
 * the offset past it (past the first pointer when compressed).
 */
function readName(b: Uint8Array, o: number, end: number, start: number): string {
  let p = start;
  let n = 0;
  let jumps = 0;
  let labels = 0;
  let nameBytes = 0;
  let resume = -1;
  while (true) {
    if (p >= end) throw new DnsParseProblem('name runs past the end of the message', p - o);
    const len = b[p]!;
    if (len === 0) {
      p += 1;
      break;
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (p + 2 > end) throw new DnsParseProblem('compression pointer cut by the end of the message', p - o);
      const target = ((len & 0x3f) << 8) | b[p + 1]!;
      if (o + target >= end) throw new DnsParseProblem(`compression pointer to offset ${target} beyond the message (${end - o} bytes)`, p - o);
      if (++jumps > MAX_POINTER_JUMPS) throw new DnsParseProblem(`compression pointer loop (more than ${MAX_POINTER_JUMPS} jumps) in the name at offset ${start - o}`, start - o);
      if (resume < 0) resume = p + 2;
      p = o + target;
      // A name that is only a pointer to the first question's name (decoded without a jump, so its
      // labels lie before this name and pass the same checks): the same text.
      if (n === 0 && p === questionNameAt && jumps === 1) {
        readEnd = resume;
        readJumped = true;
        return questionName;
      }
      continue;
    }
    if (kind !== 0) throw new DnsParseProblem(`reserved label type 0x${kind.toString(16)}`, p - o);
    if (p + 1 + len > end) throw new DnsParseProblem('label runs past the end of the message', p - o);
    if (++labels > MAX_LABELS) throw new DnsParseProblem(`name has more than ${MAX_LABELS} labels`, p - o);
    nameBytes += len + 1;
    if (nameBytes > MAX_NAME_BYTES) throw new DnsParseProblem(`name longer than ${MAX_NAME_BYTES} bytes`, p - o);
    if (n > 0) nameText[n++] = 0x2e;
    for (let i = p + 1; i <= p + len; i++) {
      const c = b[i]!;
      if (c >= 0x20 && c <= 0x7e) nameText[n++] = c;
      else {
        // `\xNN` as escapeBytes writes it.
        nameText[n++] = 0x5c;
        nameText[n++] = 0x78;
        nameText[n++] = HEX_DIGITS.charCodeAt(c >> 4);
        nameText[n++] = HEX_DIGITS.charCodeAt(c & 15);
      }
    }
    p += 1 + len;
  }
  readEnd = resume >= 0 ? resume : p;
  readJumped = resume >= 0;
  return n === 0 ? '' : (nameText as unknown as Latin1Slicer).latin1Slice(0, n);
}

/** Bytes as text, non-printable ones (outside 0x20..0x7e) as `\xNN` like Zeek's log writer. */
function escapeBytes(b: Uint8Array, start: number, stop: number): string {
  let out = '';
  for (let i = start; i < stop; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
    else out += `\\x${c < 16 ? '0' : ''}${c.toString(16)}`;
  }
  return out;
}
