/**
 * The rule detectors of one run, built from the settings and the policy
 * rules: scans (per source, distributed, ARP), DNS and ICMP tunnels, rate
 * spikes, port policy, beacons (whose allow rules come from the policy rules).
 */
import type { Settings } from '../config/settings.js';
import type { Proto } from '../types.js';
import { createArpScanDetector } from './arp-scan-detector.js';
import { createBeaconDetector } from './beacon-detector.js';
import type { Detector } from './detector.js';
import { createDistributedScanDetector } from './distributed-scan-detector.js';
import { createDnsTunnelDetector } from './dns-tunnel-detector.js';
import { createIcmpTunnelDetector } from './icmp-tunnel-detector.js';
import { createPolicyDetector } from './policy-detector.js';
import type { PolicyRule } from './policy-rules.js';
import { createRateSpikeDetector } from './rate-spike-detector.js';
import { createScanDetector } from './scan-detector.js';

export interface RuleDetectorOptions {
  /** Policy rules (the shipped defaults combined with a rules file). */
  rules: readonly PolicyRule[];
  /** A port's learned peak pps from a loaded model, for rate.spike. */
  learnedPeakPps?: (port: number, proto: Proto) => number | null;
}

export function createRuleDetectors(settings: Settings, options: RuleDetectorOptions): Detector[] {
  return [
    createScanDetector(settings),
    createDnsTunnelDetector(settings),
    createIcmpTunnelDetector(settings),
    createRateSpikeDetector(settings, options.learnedPeakPps ? { learnedPeakPps: options.learnedPeakPps } : {}),
    createPolicyDetector(options.rules, settings),
    createDistributedScanDetector(settings),
    createArpScanDetector(settings),
    createBeaconDetector(settings, options.rules),
  ];
}
