/**
 * Shannon entropy in bits per character of a string (one DNS label), over
 * its UTF-16 code units folded to 8 bits. Reuses one counting table, so it
 * allocates nothing per call.
 */
const counts = new Int32Array(256);

export function shannonEntropyBits(s: string): number {
  const n = s.length;
  if (n === 0) return 0;
  for (let i = 0; i < n; i++) counts[s.charCodeAt(i) & 255]!++;
  let h = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i) & 255;
    const k = counts[c]!;
    if (k > 0) {
      const p = k / n;
      h -= p * Math.log2(p);
      counts[c] = 0;
    }
  }
  return h;
}
