/**
 * Field value parsers over a range of a decoded line block (no substring is
 * made for numbers on the fast path). Each returns NaN (numbers) when the
 * text is not a value of that type, so the caller can say which field was
 * wrong.
 *
 * Decimals take Clinger's fast path: when all digits fit in an integer
 * below 2^53 and there is no exponent, mantissa / 10^k is the correctly
 * rounded double, identical to `Number(text)` and `JSON.parse` (so the TSV
 * and JSON forms of one record give bit-identical timestamps). Anything
 * else falls back to `Number()` on the substring.
 */

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT = 2 ** 53;

/** A decimal number such as "1517422326.539915", "-3", "1e-3"; NaN when not one. */
export function parseDecimal(text: string, start: number, end: number): number {
  let i = start;
  if (i >= end) return Number.NaN;
  let neg = false;
  let c = text.charCodeAt(i);
  if (c === 45 /* - */ || c === 43 /* + */) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let fracDigits = 0;
  let seenDot = false;
  for (; i < end; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (seenDot) fracDigits++;
    } else if (c === 46 /* . */ && !seenDot) {
      seenDot = true;
    } else {
      break;
    }
  }
  if (digits === 0) return Number.NaN;
  if (i === end && mant < MAX_EXACT && fracDigits <= 22) {
    const v = fracDigits === 0 ? mant : mant / (POW10[fracDigits] as number);
    return neg ? -v : v;
  }
  // Exponent, long mantissa or trailing junk: the general path.
  const s = text.slice(start, end);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number.NaN;
  return Number(s);
}

/** A non-negative integer ("count" in Zeek); NaN when not one. */
export function parseCount(text: string, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    v = v * 10 + c;
  }
  return v < MAX_EXACT ? v : Number.NaN;
}

/** A port 0..65535; NaN when not one. */
export function parsePort(text: string, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len > 5) return Number.NaN;
  const v = parseCount(text, start, end);
  return v <= 65535 ? v : Number.NaN;
}

/** True when text[start, end) equals `token`. */
export function isToken(text: string, start: number, end: number, token: string): boolean {
  const n = token.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (text.charCodeAt(start + i) !== token.charCodeAt(i)) return false;
  return true;
}

/** Zeek's proto column as the shared literal (no new string per line); null when not a Zeek proto. */
export function parseProto(text: string, start: number, end: number): 'tcp' | 'udp' | 'icmp' | 'unknown_transport' | null {
  const len = end - start;
  if (len === 3) {
    const a = text.charCodeAt(start);
    if (a === 116 && text.charCodeAt(start + 1) === 99 && text.charCodeAt(start + 2) === 112) return 'tcp';
    if (a === 117 && text.charCodeAt(start + 1) === 100 && text.charCodeAt(start + 2) === 112) return 'udp';
    return null;
  }
  if (len === 4 && isToken(text, start, end, 'icmp')) return 'icmp';
  if (len === 17 && isToken(text, start, end, 'unknown_transport')) return 'unknown_transport';
  return null;
}

/** A short quoted excerpt of a bad value for messages. */
export function quoteValue(text: string, start: number, end: number): string {
  const s = end - start > 40 ? `${text.slice(start, start + 40)}...` : text.slice(start, end);
  return JSON.stringify(s);
}

/**
 * An ISO 8601 date-time ("2018-03-24T17:15:20.865716Z", offsets "+02:00",
 * or none = UTC) to epoch seconds with the fraction kept exactly as written
 * (whole seconds * 10^k + fraction digits, one division); NaN when not one.
 */
export function parseIsoTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, sec, frac, tz] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = sec === undefined ? 0 : Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  let whole = Date.UTC(Number(y), month - 1, day, hour, minute, second) / 1000;
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    whole -= sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2)) * 60);
  }
  if (frac === undefined) return whole;
  const k = frac.length;
  const scaled = whole * (POW10[k] as number) + Number(frac);
  if (Math.abs(scaled) < MAX_EXACT) return scaled / (POW10[k] as number);
  return whole + Number(frac) / (POW10[k] as number);
}

