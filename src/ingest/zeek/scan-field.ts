/**
 * Fused scan-and-parse of one field of a line with a one-character
 * separator (Zeek's TAB): the number is accumulated while looking for the
 * separator, so each byte of a numeric field is read once. The field's end
 * is left in `scanned.end` (a module variable, not a returned object: no
 * allocation per field). Values follow parse-field.ts exactly (same
 * correctly rounded decimals, same NaN for "not a value").
 */
import { parseDecimal } from './parse-field.js';

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT = 2 ** 53;

/** Where the last scanned field ended (the separator's index, or the line end). */
export const scanned = { end: 0 };

/** Skips to the end of the field starting at `p`; returns that end. */
export function scanToSeparator(text: string, p: number, end: number, sep: number): number {
  let i = p;
  while (i < end && text.charCodeAt(i) !== sep) i++;
  return i;
}

/** A count (non-negative integer); NaN when the field is not one. Sets `scanned.end`. */
export function scanCount(text: string, p: number, end: number, sep: number): number {
  let v = 0;
  let ok = true;
  let i = p;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === sep) break;
    const d = c - 48;
    if (d >= 0 && d <= 9) v = v * 10 + d;
    else ok = false;
  }
  scanned.end = i;
  return ok && i > p && v < MAX_EXACT ? v : Number.NaN;
}

/** A port 0..65535; NaN when the field is not one. Sets `scanned.end`. */
export function scanPort(text: string, p: number, end: number, sep: number): number {
  const v = scanCount(text, p, end, sep);
  return v <= 65535 && scanned.end - p <= 5 ? v : Number.NaN;
}

/** A decimal ("1517422326.539915"); NaN when not one. Sets `scanned.end`. */
export function scanDecimal(text: string, p: number, end: number, sep: number): number {
  let mant = 0;
  let digits = 0;
  let frac = 0;
  let dot = false;
  let ok = true;
  let i = p;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === sep) break;
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mant = mant * 10 + d;
      digits++;
      if (dot) frac++;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      ok = false;
    }
  }
  scanned.end = i;
  if (ok && digits > 0 && mant < MAX_EXACT && frac <= 22) return frac === 0 ? mant : mant / (POW10[frac] as number);
  // Sign, exponent, long mantissa or junk: the general parser on this field.
  return parseDecimal(text, p, i);
}
