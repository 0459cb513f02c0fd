/**
 * Input format detection from content (magic numbers, Zeek `#separator`
 * header, JSON's first byte, CSV header), never from the file name.
 */
export type InputFormat = 'pcap' | 'pcapng' | 'zeek-tsv' | 'zeek-json' | 'csv';

export const INPUT_FORMATS: readonly InputFormat[] = ['pcap', 'pcapng', 'zeek-tsv', 'zeek-json', 'csv'];

/** Returns the format of a (decompressed) input head, or null when unknown. */
export function detectFormat(head: Uint8Array): InputFormat | null {
  if (head.length >= 4) {
    const m = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
    if (m === 0x0a0d0d0a) return 'pcapng';
  }
  // Text formats: skip a UTF-8 BOM and leading whitespace.
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (i >= head.length) return null;
  const text = Buffer.from(head.subarray(i, Math.min(head.length, i + 2048))).toString('latin1');
  if (text.startsWith('#separator') || text.startsWith('#fields')) return 'zeek-tsv';
  if (text.startsWith('#')) {
    // Comment lines before the header (btest baselines start with "### BTest ...").
    for (const line of text.split(/\r?\n/, 16)) {
      const t = line.trimStart();
      if (t.startsWith('#separator') || t.startsWith('#fields')) return 'zeek-tsv';
      if (!t.startsWith('#')) break;
    }
  }
  if (text.startsWith('{')) return 'zeek-json';
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  if (firstLine.includes(',') && /[A-Za-z]/.test(firstLine)) return 'csv';
  return null;
}
