/**
 * Escaping of attacker-controlled text (file names, header values, DNS
 * names, CSV headers) before it reaches a terminal, a log line or a report.
 *
 * A terminal acts on control bytes: `ESC [2J` clears it, `ESC ]0;title BEL`
 * sets its title, a carriage return rewrites the line a reader trusts. Every
 * C0 control (0x00-0x1f), DEL (0x7f), C1 control (0x80-0x9f) and the Unicode
 * bidirectional overrides (U+202A-202E, U+2066-2069, which reorder what the
 * reader sees) become `\xHH` / `\u{HHHH}`, the way Zeek writes non-printable
 * bytes in its logs (`\x1b`). Printable text, including UTF-8 letters such as
 * `é`, passes unchanged. Backslashes are left alone, so text escaped once by
 * a reader is not escaped twice.
 */

const UNSAFE = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_KEEP_NEWLINES = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line of text safe for a terminal: every control character (newlines too) escaped. */
export function escapeControl(s: string): string {
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, escapeChar) : s;
}

/** Like escapeControl, but keeps newlines (for messages that are several lines on purpose). */
export function escapeControlKeepNewlines(s: string): string {
  UNSAFE_KEEP_NEWLINES.lastIndex = 0;
  return UNSAFE_KEEP_NEWLINES.test(s) ? s.replace(UNSAFE_KEEP_NEWLINES, escapeChar) : s;
}
