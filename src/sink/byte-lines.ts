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
