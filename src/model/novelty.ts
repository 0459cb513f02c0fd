/**
 * Novelty: a service port the baseline never saw that now carries real
 * traffic. Novelty is the first thing a baseline knows; the evidence floor
 * keeps one stray packet (or a scan's probe, the scan detectors' job) from
 * being a finding.
 *
 * A window of a (proto, port) absent from training is novel when:
 * 1. the proto is TCP or UDP and the port is below NOVELTY_MAX_PORT (32768:
 *    above it lie the ephemeral ranges of Linux and Windows, where FTP data,
 *    RTP and callbacks land on ports no baseline could list);
 * 2. it holds at least `minSessions` established sessions (flows that were
 *    not failed attempts) — or at least one established session and
 *    `minBytes` bytes.
 */
import { F, type FeatureWindow } from '../window/feature-schema.js';

export const NOVELTY_MAX_PORT = 32768;
export const DEFAULT_NOVELTY_MIN_SESSIONS = 3;
export const DEFAULT_NOVELTY_MIN_BYTES = 1_000_000;

export interface NoveltySettings {
  minSessions: number;
  minBytes: number;
}

export const DEFAULT_NOVELTY_SETTINGS: NoveltySettings = { minSessions: DEFAULT_NOVELTY_MIN_SESSIONS, minBytes: DEFAULT_NOVELTY_MIN_BYTES };

export interface NoveltyEvidence {
  established: number;
  flows: number;
  bytes: number;
}

/** The novelty evidence of a window on a port absent from training, or null when it is below the floor. */
export function checkNovelty(w: FeatureWindow, s: NoveltySettings = DEFAULT_NOVELTY_SETTINGS): NoveltyEvidence | null {
  if (w.proto !== 'tcp' && w.proto !== 'udp') return null;
  if (w.port >= NOVELTY_MAX_PORT) return null;
  const flows = w.values[F.flows]!;
  const established = Math.round(flows * (1 - w.values[F.failedShare]!));
  const bytes = w.values[F.bytes]!;
  if (established >= s.minSessions || (established >= 1 && bytes >= s.minBytes)) return { established, flows, bytes };
  return null;
}
