/**
 * Text lines encoded straight into one growing byte buffer: ASCII copied a
 * character at a time, other text through Buffer's UTF-8 encoder, whole
 * numbers as digits. A writer of many short lines (a conn.log line per
 * connection) then makes no string per line or per field, and the output
 * is encoded once.
 */
export interface ByteLines {
  buf: Buffer;
  /** Bytes used. */
  at: number;
}

export function createByteLines(capacity = 1 << 16): ByteLines {
  return { buf: Buffer.allocUnsafe(capacity), at: 0 };
}

/** Makes room for `n` more bytes. */
export function reserveBytes(b: ByteLines, n: number): void {
  if (b.at + n <= b.buf.length) return;
  const grown = Buffer.allocUnsafe(Math.max(b.buf.length * 2, b.at + n));
  b.buf.copy(grown, 0, 0, b.at);
  b.buf = grown;
}

/** Takes the bytes written so far (a view the caller may hand to a stream) and starts a new buffer. */
export function takeBytes(b: ByteLines): Buffer {
  const out = b.buf.subarray(0, b.at);
  b.buf = Buffer.allocUnsafe(Math.min(b.buf.length, 1 << 20));
  b.at = 0;
  return out;
}

/** Appends `s` as UTF-8 (room for 3 bytes per UTF-16 unit must be reserved). */
export function putText(b: ByteLines, s: string): void {
  const buf = b.buf;
  let at = b.at;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      at += buf.write(s.slice(i), at, 'utf8');
      break;
    }
    buf[at++] = c;
  }
  b.at = at;
}

/** Appends one ASCII byte. */
export function putByte(b: ByteLines, c: number): void {
  b.buf[b.at++] = c;
}

/** Appends a number as `${n}` writes it (room for 24 bytes must be reserved). */
export function putNumber(b: ByteLines, n: number): void {
  if (!(Number.isSafeInteger(n) && n >= 0)) {
    putText(b, String(n));
    return;
  }
  let len = 1;
  for (let p = 10; p <= n; p *= 10) len++;
  const buf = b.buf;
  let at = b.at + len;
  b.at = at;
  do {
    const q = Math.floor(n / 10);
    buf[--at] = 0x30 + (n - q * 10);
    n = q;
  } while (n > 0);
}

/**
 * Appends `n.toFixed(6)` (room for 24 bytes must be reserved) without making the string: the whole part's
 * digits, then the fraction rounded to 6 digits. `n - Math.floor(n)` is exact, and its product by 1e6 is
 * within 2e-10 of the true one, so the rounding agrees with toFixed's (exact, ties up) except within that
 * of a tie: those, and numbers outside [0, 2^53), are written through toFixed itself.
 */
export function putFixed6(b: ByteLines, n: number): void {
  const whole = Math.floor(n);
  const scaled = (n - whole) * 1e6;
  const below = Math.floor(scaled);
  const rest = scaled - below;
  if (!(n >= 0 && n < MAX_SAFE) || (rest > 0.5 - TIE_MARGIN && rest < 0.5 + TIE_MARGIN)) {
    putText(b, n.toFixed(6));
    return;
  }
  let micros = rest > 0.5 ? below + 1 : below;
  let w = whole;
  if (micros === 1e6) {
    micros = 0;
    w++;
  }
  putNumber(b, w);
  const buf = b.buf;
  let at = b.at + 7;
  buf[b.at] = 0x2e;
  b.at = at;
  for (let k = 0; k < 6; k++) {
    const q = Math.floor(micros / 10);
    buf[--at] = 0x30 + (micros - q * 10);
    micros = q;
  }
}

const MAX_SAFE = 2 ** 53;
const TIE_MARGIN = 1e-6;

/**
 * Appends the dotted quad of the IPv4 address whose 32-bit value is `n` (`(b0 << 24) | ... | b3`, signed or
 * unsigned; room for 15 bytes must be reserved): the text of `${b0}.${b1}.${b2}.${b3}`, each byte's digits
 * copied from a table, where copying the address's string a character at a time cost several times more.
 */
export function putIpv4(b: ByteLines, n: number): void {
  const buf = b.buf;
  let at = b.at;
  for (let shift = 24; shift >= 0; shift -= 8) {
    const k = ((n >>> shift) & 255) * 4;
    const len = OCTET_DIGITS[k]!;
    buf[at] = OCTET_DIGITS[k + 1]!;
    if (len > 1) buf[at + 1] = OCTET_DIGITS[k + 2]!;
    if (len > 2) buf[at + 2] = OCTET_DIGITS[k + 3]!;
    at += len;
    if (shift > 0) buf[at++] = 0x2e;
  }
  b.at = at;
}

/** Per byte value v: [digit count, its decimal digits' char codes (up to 3)] at 4v. */
const OCTET_DIGITS = new Uint8Array(256 * 4);
for (let v = 0; v < 256; v++) {
  const s = String(v);
  OCTET_DIGITS[v * 4] = s.length;
  for (let k = 0; k < s.length; k++) OCTET_DIGITS[v * 4 + 1 + k] = s.charCodeAt(k);
}
