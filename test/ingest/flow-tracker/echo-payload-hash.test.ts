import { ECHO_HASHED_BYTES, ECHO_STAMP_BYTES, hashEchoPayload } from '../../../src/ingest/flow-tracker/echo-payload-hash.js';

/** An iputils ping payload: a 16-byte send time, then the bytes 0x10, 0x11, ... */
function pingPayload(sec: number, usec: number, size = 56): Uint8Array {
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, sec, true);
  v.setUint32(8, usec, true);
  for (let i = ECHO_STAMP_BYTES; i < size; i++) out[i] = i;
  return out;
}

/** `payload` after `at` bytes of headers, as a frame holds it. */
function framed(payload: Uint8Array, at = 42): Uint8Array {
  const out = new Uint8Array(at + payload.length);
  out.set(payload, at);
  return out;
}

describe('hashEchoPayload', () => {
  it('gives every ping of one pinger one fingerprint: its send time is left out', () => {
    const a = hashEchoPayload(pingPayload(1796665229, 959740), 0, 56, 56);
    const b = hashEchoPayload(pingPayload(1796665230, 12), 0, 56, 56);
    expect(a).not.toBe(0);
    expect(a).toBe(b);
  });

  it('reads the payload in place in a frame, to the captured end', () => {
    const p = pingPayload(1, 2);
    expect(hashEchoPayload(framed(p), 42, 56, 42 + 56)).toBe(hashEchoPayload(p, 0, 56, 56));
    // Bytes past the payload (an Ethernet trailer) are not hashed.
    const trailer = new Uint8Array(42 + 56 + 6).fill(0xee);
    trailer.set(framed(p).subarray(0, 42 + 56));
    expect(hashEchoPayload(trailer, 42, 56, trailer.length)).toBe(hashEchoPayload(p, 0, 56, 56));
  });

  it('tells payloads that carry different data apart', () => {
    const x = new Uint8Array(56).fill(0x58); // hping3's 'X' x 56
    const data = new Uint8Array(56).fill(0x58);
    data[40] = 0x59;
    expect(hashEchoPayload(x, 0, 56, 56)).not.toBe(hashEchoPayload(data, 0, 56, 56));
    // A difference only in the stamp bytes is no difference.
    const stamped = new Uint8Array(56).fill(0x58);
    stamped[3] = 0;
    expect(hashEchoPayload(x, 0, 56, 56)).toBe(hashEchoPayload(stamped, 0, 56, 56));
  });

  it('hashes at most ECHO_HASHED_BYTES past the stamp', () => {
    const a = new Uint8Array(1000).fill(1);
    const b = new Uint8Array(1000).fill(1);
    b[ECHO_STAMP_BYTES + ECHO_HASHED_BYTES + 10] = 2;
    expect(hashEchoPayload(a, 0, 1000, 1000)).toBe(hashEchoPayload(b, 0, 1000, 1000));
  });

  it('is 0 (unknown) when fewer than 8 bytes past the stamp were captured', () => {
    const p = pingPayload(1, 2);
    expect(hashEchoPayload(p, 0, 20, 56)).toBe(0);
    // A snap length that cut the payload 4 bytes past the stamp.
    expect(hashEchoPayload(framed(p), 42, 56, 42 + 20)).toBe(0);
    expect(hashEchoPayload(framed(p), 42, 56, 42 + 24)).not.toBe(0);
    expect(hashEchoPayload(new Uint8Array(0), 0, 0, 0)).toBe(0);
  });

  it('is a small non-negative integer, never 0 for a known payload', () => {
    for (let i = 0; i < 2000; i++) {
      const p = new Uint8Array(40);
      new DataView(p.buffer).setUint32(20, i * 2654435761, true);
      const h = hashEchoPayload(p, 0, 40, 40);
      expect(h).toBeGreaterThan(0);
      expect(h).toBeLessThan(2 ** 30);
      expect(Number.isInteger(h)).toBe(true);
    }
  });
});
