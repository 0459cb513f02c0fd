/**
 * Zeek ASCII (TSV) log header state: `#separator` (with `\x09` escapes),
 * `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#open`,
 * `#fields`, `#types`, `#close`. A `#separator` line starts a new log (Zeek
 * writes one header per file; concatenated or rotated logs repeat it).
 */

export interface ZeekHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path: string | null;
  fields: string[] | null;
  types: string[] | null;
  /** 1-based line of the `#fields` line, for messages. */
  fieldsLine: number;
}

export function createZeekHeader(): ZeekHeader {
  return { separator: '\t', setSeparator: ',', emptyField: '(empty)', unsetField: '-', path: null, fields: null, types: null, fieldsLine: 0 };
}

/** Decodes Zeek's `\xHH` escapes (used in `#separator \x09` and in values). */
export function unescapeZeek(s: string): string {
  if (!s.includes('\\x')) return s;
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

export type HeaderEvent = 'separator' | 'fields' | 'close' | 'other';

/**
 * Applies one header line (its text without the leading '#') to `h`.
 * Returns what kind of directive it was, so the reader can start or end a
 * log section.
 */
export function applyHeaderLine(h: ZeekHeader, line: string, lineNo: number): HeaderEvent {
  if (line.startsWith('separator')) {
    const rest = line.slice('separator'.length).replace(/^[ \t]/, '');
    const fresh = createZeekHeader();
    Object.assign(h, fresh);
    const sep = unescapeZeek(rest.trim() === '' ? rest : rest.trim());
    h.separator = sep === '' ? '\t' : sep;
    return 'separator';
  }
  const sep = h.separator;
  const cut = line.indexOf(sep);
  const name = cut < 0 ? line : line.slice(0, cut);
  const value = cut < 0 ? '' : line.slice(cut + sep.length);
  switch (name) {
    case 'set_separator':
      h.setSeparator = unescapeZeek(value);
      return 'other';
    case 'empty_field':
      h.emptyField = unescapeZeek(value);
      return 'other';
    case 'unset_field':
      h.unsetField = unescapeZeek(value);
      return 'other';
    case 'path':
      h.path = unescapeZeek(value);
      return 'other';
    case 'fields':
      h.fields = value.split(sep);
      h.types = null;
      h.fieldsLine = lineNo;
      return 'fields';
    case 'types':
      h.types = value.split(sep);
      return 'other';
    case 'close':
      return 'close';
    default:
      return 'other';
  }
}
