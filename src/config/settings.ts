/**
 * Every detector and scoring threshold of flowhound as a named setting, with
 * its default and where that default comes from.
 *
 * One name serves three places: the command-line flag (`--scan-vertical-ports`),
 * the key in a config file (`scan-vertical-ports: 15`) and the table in
 * docs/detectors.md.
 * `SETTING_SPECS` is the single source of those; `DEFAULT_SETTINGS` is built
 * from it. Validation happens once at the boundary (CLI, config loader); the
 * detectors receive the typed `Settings` object.
 */

/** One setting: its name in `Settings`, flag, default, valid range, meaning and source. */
export interface SettingSpecOf<Name extends string> {
  name: Name;
  /** Command-line flag and config-file key (kebab-case). */
  flag: string;
  default: number;
  /** Whether only whole numbers are valid. */
  integer: boolean;
  min: number;
  max?: number;
  /** What the setting does. */
  description: string;
  /** Where the default comes from. */
  source: string;
}

const SPECS = [
  // --- scans ---
  { name: 'scanVerticalPorts', flag: 'scan-vertical-ports', default: 15, integer: true, min: 2, description: 'scan.vertical: distinct ports of one host with failed/unanswered attempts from one source within --scan-window-sec', source: "Zeek scan.zeek port_scan_threshold (15)" },
  { name: 'scanHorizontalHosts', flag: 'scan-horizontal-hosts', default: 25, integer: true, min: 2, description: 'scan.horizontal: distinct hosts on one port with failed/unanswered attempts (or echo requests) from one source within --scan-window-sec', source: 'Zeek scan.zeek addr_scan_threshold (25)' },
  { name: 'scanWindowSec', flag: 'scan-window-sec', default: 300, integer: false, min: 1, description: 'short scan window', source: 'Zeek scan.zeek addr_scan_interval / port_scan_interval (5 min)' },
  { name: 'scanSlowWindowSec', flag: 'scan-slow-window-sec', default: 3600, integer: false, min: 1, description: 'long window for slow scans', source: 'Slips time window (1 h)' },
  { name: 'scanSlowVerticalPorts', flag: 'scan-slow-vertical-ports', default: 15, integer: true, min: 2, description: 'slow scan.vertical: distinct ports within --scan-slow-window-sec', source: 'Zeek scan.zeek port_scan_threshold (15), the same count as the short window' },
  { name: 'scanSlowHorizontalHosts', flag: 'scan-slow-horizontal-hosts', default: 25, integer: true, min: 2, description: 'slow scan.horizontal: distinct hosts within --scan-slow-window-sec', source: 'Zeek scan.zeek addr_scan_threshold (25), the same count as the short window' },
  { name: 'scanProbeMaxPkts', flag: 'scan-probe-max-pkts', default: 2, integer: true, min: 1, description: 'flow exports without conn_state (NetFlow is unidirectional): a TCP record with no response and at most this many packets is a probe; either half of a real connection has more', source: 'a SYN and one retransmission (nmap and masscan send one SYN per port)' },
  { name: 'scanPairWaitSec', flag: 'scan-pair-wait-sec', default: 60, integer: false, min: 0, description: 'flow exports without conn_state: a UDP record waits this long (event time) for a record in the reverse direction before it counts as unanswered', source: 'Zeek UDP inactivity timeout (1 min)' },
  { name: 'scanMaxTargetsPerKey', flag: 'scan-max-targets-per-key', default: 4096, integer: true, min: 16, description: 'most distinct targets remembered per scan key; counting beyond it is exact up to the cap, then saturates', source: 'flowhound memory bound (a full /20 sweep or 4k ports)' },
  { name: 'scanMaxKeys', flag: 'scan-max-keys', default: 200000, integer: true, min: 100, description: 'most scan keys held at once; the least recently active are evicted first', source: 'flowhound memory bound' },
  { name: 'scanDistSources', flag: 'scan-dist-sources', default: 4, integer: true, min: 2, description: 'scan.distributed: distinct sources, each below the per-source scan thresholds, that together probe one target set (one host\'s ports, or one port across hosts)', source: 'flowhound: a campaign of 4+ sources; Suricata and Snort sfportscan report distributed scans from many sources to one target' },
  { name: 'scanDistTargets', flag: 'scan-dist-targets', default: 25, integer: true, min: 2, description: 'scan.distributed: distinct hosts (one port) or ports (one host) the sources probed together within --scan-dist-window-sec', source: 'Zeek scan.zeek addr_scan_threshold (25), applied to the campaign instead of one source' },
  { name: 'scanDistWindowSec', flag: 'scan-dist-window-sec', default: 300, integer: false, min: 1, description: 'scan.distributed: the campaign window', source: 'Zeek scan.zeek addr_scan_interval (5 min)' },
  { name: 'scanDistPrefixV4', flag: 'scan-dist-prefix-v4', default: 24, integer: true, min: 8, max: 32, description: 'scan.distributed: sources in one IPv4 prefix of this length form a campaign', source: 'one /24, the smallest block routed on the Internet (a scanner\'s rented range)' },
  { name: 'scanDistPrefixV6', flag: 'scan-dist-prefix-v6', default: 64, integer: true, min: 16, max: 128, description: 'scan.distributed: sources in one IPv6 prefix of this length form a campaign', source: 'one /64, one IPv6 subnet (RFC 4291)' },
  { name: 'scanDistCorrelationSec', flag: 'scan-dist-correlation-sec', default: 10, integer: false, min: 0, description: 'scan.distributed: sources in different prefixes form a campaign when each started probing the target set within this many seconds of the first', source: 'flowhound: a coordinated sweep starts together; unrelated scanners of the Internet arrive minutes or hours apart' },
  { name: 'scanDistMinProbesPerSource', flag: 'scan-dist-min-probes-per-source', default: 3, integer: true, min: 1, description: 'scan.distributed: a source joins a campaign after this many failed probes to the target set', source: 'flowhound: one stray failed connection is not scanning' },
  // --- ARP scans ---
  { name: 'arpScanAddresses', flag: 'arp-scan-addresses', default: 32, integer: true, min: 2, description: 'scan.arp: distinct addresses one sender (MAC and IP) asks for (who-has) within --arp-scan-window-sec; gateways and DHCP servers (they answer or serve many hosts) are exempt', source: 'Slips ARP scan: 5 ARP requests to different IPs within 30 s (raised: a busy gateway or a booting host asks for a few dozen)' },
  { name: 'arpScanWindowSec', flag: 'arp-scan-window-sec', default: 30, integer: false, min: 1, description: 'scan.arp: window for the distinct addresses', source: 'Slips ARP scan time window (30 s)' },
  // --- beacons ---
  { name: 'beaconMinConnections', flag: 'beacon-min-connections', default: 20, integer: true, min: 4, description: 'c2.beacon: connections (distinct timestamps at --beacon-ts-resolution-sec) of one (source, destination, port) pair before it is scored', source: 'RITA DefaultConnectionThresh (20)' },
  { name: 'beaconMinSpanSec', flag: 'beacon-min-span-sec', default: 300, integer: false, min: 1, description: 'c2.beacon: the pair\'s first and last connection must be at least this far apart', source: 'flowhound: a beacon of one check-in per 15 s needs 5 min for 20 connections; shorter series are bursts' },
  { name: 'beaconMinScore', flag: 'beacon-min-score', default: 0.8, integer: false, min: 0, max: 1, description: 'c2.beacon: the score (mean of the interval and size scores, each the mean of a Bowley-skewness, a median-absolute-deviation and a count/smallness score) at or above which a pair is reported; the interval score alone must reach it too', source: 'RITA beacon score (legacy ts/ds scores); 0.8 is where RITA users start triage' },
  { name: 'beaconMaxJitter', flag: 'beacon-max-jitter', default: 0.2, integer: false, min: 0, max: 1, description: 'c2.beacon: the intervals\' median absolute deviation divided by their median must be at most this (uniform jitter of ±40% gives 0.2)', source: 'flowhound: Cobalt Strike-style jitter up to ±40% passes; random human activity (MAD/median ≥ 0.3) does not' },
  { name: 'beaconTsResolutionSec', flag: 'beacon-ts-resolution-sec', default: 1, integer: false, min: 0.001, description: 'c2.beacon: connection times are rounded down to this before intervals are taken; connections within one step count once', source: 'RITA (whole-second timestamps, unique timestamps only)' },
  { name: 'beaconLongSpanSec', flag: 'beacon-long-span-sec', default: 3600, integer: false, min: 1, description: 'c2.beacon: a pair seen for less than this is at most low severity (a failing pair: medium); beaconing is judged over hours', source: 'flowhound: beaconing is judged over hours (RITA\'s duration score wants 6 h of a day); under an hour a schedule is reported, at low severity' },
  { name: 'beaconStreamSpanSec', flag: 'beacon-stream-span-sec', default: 86400, integer: false, min: 1, description: 'c2.beacon: while the input goes on, a pair is scored once its span reaches this, then each time the span doubles; shorter pairs are scored when they go quiet for --beacon-long-span-sec, are evicted, or the input ends', source: "RITA scores a day of logs at a time; a few hours of a benign client's polling can look regular and stop being so later" },
  { name: 'beaconMaxConnsPerPair', flag: 'beacon-max-conns-per-pair', default: 8640, integer: true, min: 16, description: 'c2.beacon: most connection times kept per pair (the newest)', source: 'flowhound memory bound: a day of one connection per 10 s' },
  { name: 'beaconMaxPairs', flag: 'beacon-max-pairs', default: 200000, integer: true, min: 100, description: 'c2.beacon: most (source, destination, port) pairs held at once; the least recently active are scored and dropped first', source: 'flowhound memory bound' },
  // --- DNS tunnels ---
  { name: 'dnsUniqueSubdomains', flag: 'dns-unique-subdomains', default: 100, integer: true, min: 2, description: 'tunnel.dns signal: unique names under one registered domain from one client', source: 'RITA DNS tunneling (≥ 100 unique subdomains)' },
  { name: 'dnsLongQueryChars', flag: 'dns-long-query-chars', default: 90, integer: true, min: 10, description: 'tunnel.dns signal: a query name longer than this is long', source: 'Zeek anomalous-dns (query > 90 characters)' },
  { name: 'dnsMinQueries', flag: 'dns-min-queries', default: 10, integer: true, min: 1, description: 'tunnel.dns never fires on fewer queries than this per (client, domain)', source: 'flowhound: the smallest sample on which shares are meaningful' },
  { name: 'dnsRandomLabelChars', flag: 'dns-random-label-chars', default: 16, integer: true, min: 4, description: 'tunnel.dns: a label at least this long with high entropy counts as encoded data', source: 'flowhound: dnscat2 uses ≥ 18 hex chars per label, iodine and dns2tcp 50+; host names rarely have labels of 16+ random chars' },
  { name: 'dnsRandomLabelEntropyBits', flag: 'dns-random-label-entropy-bits', default: 3.2, integer: false, min: 0, max: 8, description: 'tunnel.dns: Shannon entropy (bits per character) above which a long label counts as random', source: 'flowhound: random hex of 16–20 chars measures 3.3–3.9 bits; English words of that length about 2.8–3.2' },
  { name: 'dnsRandomLabelDigitShare', flag: 'dns-random-label-digit-share', default: 0.15, integer: false, min: 0, max: 1, description: 'tunnel.dns: a long high-entropy label is encoded data when digits and non-ASCII bytes are at least this share of it …', source: 'flowhound: hex is ~60% digits, base32 ~19%, base64 ~16%; words and host names rarely over 10%' },
  { name: 'dnsRandomLabelVowelShare', flag: 'dns-random-label-vowel-share', default: 0.25, integer: false, min: 0, max: 1, description: '… or when vowels are less than this share of its letters', source: 'flowhound: English text is ~38% vowels; base32/base64 alphabets ~19%' },
  { name: 'dnsSignalShare', flag: 'dns-signal-share', default: 0.5, integer: false, min: 0, max: 1, description: 'tunnel.dns: share of a (client, domain) queries that must be long, random-labelled or of an unusual type for that signal to hold', source: 'flowhound: a majority' },
  { name: 'dnsUniqueRatio', flag: 'dns-unique-ratio', default: 0.9, integer: false, min: 0, max: 1, description: 'tunnel.dns signal: unique names / queries at or above this (every query carries a new name)', source: 'flowhound: tunnels never repeat a name; cached lookups do' },
  { name: 'dnsLargeResponseBytes', flag: 'dns-large-response-bytes', default: 400, integer: true, min: 1, description: 'tunnel.dns signal: mean DNS response size (captures only) at or above this', source: 'flowhound: ordinary answers are 50–200 bytes; iodine NULL and dns2tcp TXT answers fill the 512-byte classic limit and beyond' },
  { name: 'dnsQueriesPerMin', flag: 'dns-queries-per-min', default: 60, integer: false, min: 0, description: 'tunnel.dns signal (volume): queries per minute from one client under one domain, over at least a minute', source: 'flowhound: one query a second sustained; a browser resolves a site a handful of times per page load, and caches' },
  { name: 'dnsMinSignals', flag: 'dns-min-signals', default: 3, integer: true, min: 1, max: 6, description: 'tunnel.dns fires when this many signals hold, at least one of them about content (long names, encoded labels, unusual types, large answers)', source: 'flowhound: two signals alone match CDN and video host names' },
  { name: 'dnsWindowSec', flag: 'dns-window-sec', default: 3600, integer: false, min: 1, description: 'tunnel.dns counts per (client, domain) over this window of event time', source: 'Slips time window (1 h)' },
  { name: 'dnsMaxKeys', flag: 'dns-max-keys', default: 100000, integer: true, min: 100, description: 'most (client, domain) keys held at once', source: 'flowhound memory bound' },
  { name: 'dnsVolumeBytes', flag: 'dns-volume-bytes', default: 1000000, integer: true, min: 1, description: 'conn.log-only fallback: bytes from one client to one resolver on port 53 within --dns-window-sec', source: 'flowhound: a busy client sends well under 100 kB of queries an hour; iodine/dnscat2 send megabytes' },
  { name: 'dnsVolumeBytesPerPacket', flag: 'dns-volume-bytes-per-packet', default: 100, integer: true, min: 1, description: 'conn.log-only fallback: mean query payload per packet on port 53 at or above this, with --dns-volume-min-packets', source: 'flowhound: ordinary queries are 30–60 bytes; tunnel queries fill the name (150–250 bytes)' },
  { name: 'dnsVolumeMinPackets', flag: 'dns-volume-min-packets', default: 200, integer: true, min: 1, description: 'conn.log-only fallback: the bytes-per-packet signal needs at least this many packets', source: 'flowhound' },
  // --- ICMP tunnels ---
  { name: 'icmpOverPingBytes', flag: 'icmp-over-ping-bytes', default: 64, integer: true, min: 0, description: 'tunnel.icmp: echo payloads above this are larger than ping sends', source: 'LogRhythm ICMP size rule (> 64 bytes; ping sends 56 on Unix, 32 on Windows)' },
  { name: 'icmpLargeBytes', flag: 'icmp-large-bytes', default: 800, integer: true, min: 0, description: 'tunnel.icmp: one echo payload above this is enough', source: 'Snort/Suricata GPL ICMP_INFO "Large ICMP Packet" (dsize > 800)' },
  { name: 'icmpMinEchoes', flag: 'icmp-min-echoes', default: 4, integer: true, min: 1, description: 'tunnel.icmp: echoes (requests and replies) of a pair needed for the size, variance and rate signals', source: 'flowhound: ping -c 4 (Windows default) stays one echo short of nothing' },
  { name: 'icmpDistinctSizes', flag: 'icmp-distinct-sizes', default: 3, integer: true, min: 2, description: 'tunnel.icmp: distinct request payload sizes in one pair (ping keeps one size)', source: 'icmp-exfil-detection ICMP_AsymPayload / variable payload behaviour of PyExfil' },
  { name: 'icmpRateEchoesPerSec', flag: 'icmp-rate-echoes-per-sec', default: 10, integer: false, min: 0, description: 'tunnel.icmp: echo requests per second of one pair (ping sends 1/s; non-root ping at most 5/s)', source: 'iputils ping (interval 1 s, minimum 0.2 s for users)' },
  { name: 'icmpBackToBackRequests', flag: 'icmp-back-to-back-requests', default: 4, integer: true, min: 2, description: 'tunnel.icmp rate signal (captures): requests sent one after another without a reply in between; ping alternates request and reply, a transfer streams', source: 'flowhound: iputils ping keeps one request in flight at its default interval; Icmp-File-Transfer sends all its requests before the first reply' },
  { name: 'icmpHighPayloadBytes', flag: 'icmp-high-payload-bytes', default: 65536, integer: true, min: 1, description: 'tunnel.icmp is high severity once a pair carried this much echo payload (or two signals hold)', source: 'flowhound: 64 KiB is over a day of one-per-second Unix pings' },
  { name: 'icmpWindowSec', flag: 'icmp-window-sec', default: 3600, integer: false, min: 1, description: 'tunnel.icmp counts per pair over this window', source: 'Slips time window (1 h)' },
  { name: 'icmpMaxPairs', flag: 'icmp-max-pairs', default: 100000, integer: true, min: 100, description: 'most (requester, responder) pairs held at once; past it the oldest is reported and dropped (counted as evicted in the run summary)', source: 'flowhound memory bound' },
  // --- rate spikes ---
  { name: 'ratePps', flag: 'rate-pps', default: 20, integer: false, min: 0, description: 'rate.spike: packets per second to one (host, port) above this', source: 'flowhound rate rule (20 pps sustained for 5 s)' },
  { name: 'rateMinSeconds', flag: 'rate-min-seconds', default: 5, integer: true, min: 1, description: 'rate.spike: consecutive seconds above the threshold', source: 'flowhound rate rule (20 pps sustained for 5 s)' },
  { name: 'rateBaselineFactor', flag: 'rate-baseline-factor', default: 3, integer: false, min: 1, description: "rate.spike: the rate must also be this many times the port's normal peak (model or online baseline)", source: 'flowhound: three times the peak 10-s mean is far outside ordinary variation' },
  { name: 'rateBaselineBucketSec', flag: 'rate-baseline-bucket-sec', default: 10, integer: true, min: 1, description: 'online baseline: the peak of the mean rate over buckets of this length', source: 'flowhound' },
  { name: 'rateWarmupSec', flag: 'rate-warmup-sec', default: 5, integer: false, min: 0, description: 'online baseline: a (host, port) first seen within this long of the run start may have been busy before the capture began, so it has no baseline until one baseline bucket of its traffic is complete; one first seen later was silent before (baseline 0)', source: 'flowhound: a stream above 20 pps shows a packet within 50 ms, so 5 s (the spike length) is ample to see it' },
  { name: 'rateNoBaselineFactor', flag: 'rate-no-baseline-factor', default: 10, integer: false, min: 1, description: 'without a baseline (no model, key seen from the start) the rate must exceed --rate-pps times this', source: 'flowhound: 200 pps sustained 5 s is a flood whatever the port' },
  { name: 'rateLatenessSec', flag: 'rate-lateness-sec', default: 120, integer: false, min: 0, description: 'per-second counts are final this long after the watermark (flow logs arrive when flows end)', source: 'flowhound watch lateness (120 s): Zeek writes a conn.log line when the connection ends' },
  { name: 'rateMaxKeys', flag: 'rate-max-keys', default: 200000, integer: true, min: 100, description: 'most (host, port) keys held at once', source: 'flowhound memory bound' },
  { name: 'rateKeyIdleSec', flag: 'rate-key-idle-sec', default: 3600, integer: false, min: 1, description: 'a (host, port) without traffic this long is forgotten, baseline included', source: 'Slips time window (1 h)' },
  { name: 'rateMinConnections', flag: 'rate-min-connections', default: 10, integer: true, min: 1, description: 'rate.spike: connections (flows) that start during the spike; fewer is a transfer, a call or a stream, not a flood (ICMP, whose echoes of one pair are all one connection, needs a mean rate over rate-pps × rate-no-baseline-factor instead)', source: 'flowhound: a flood opens many connections (a SYN flood one per packet); one or a few busy connections are a bulk transfer or media stream' },
  { name: 'rateMaxSenders', flag: 'rate-max-senders', default: 256, integer: true, min: 1, description: "rate.spike: source hosts counted per (host, port) for a spike's attribution; flows from further hosts are not counted (dropped senders in the detector's stats)", source: 'flowhound memory bound' },
  { name: 'rateMaxFlowStartSeconds', flag: 'rate-max-flow-start-seconds', default: 100000, integer: true, min: 1, description: "rate.spike: seconds with connection starts remembered per (host, port), for a spike's connection count; starts in further seconds are not counted (dropped in the detector's stats)", source: 'flowhound memory bound (over a day of seconds)' },
  // --- port policy ---
  { name: 'policyMaxRules', flag: 'policy-max-rules', default: 1000, integer: true, min: 1, max: 1000000, description: 'most rules a --rules file may hold; a larger file (or one over this many KiB) is refused before it is parsed, since every flow is matched against every rule', source: 'flowhound memory and CPU bound (Suricata loads tens of thousands of signatures with a compiled matcher; flowhound matches rules one by one)' },
  // --- scoring ---
  { name: 'suppressionSec', flag: 'suppression-sec', default: 3600, integer: false, min: 0, description: 'a finding repeats at most once per this interval per (kind, source, target), unless its count grew tenfold', source: 'Slips time window (1 h) and its log-scale evidence repetition' },
  { name: 'suppressionRepeatFactor', flag: 'suppression-repeat-factor', default: 10, integer: false, min: 1, description: 'a repeat inside the suppression interval is written anyway once its count reached this many times the last written one', source: "Slips' log-scale evidence repetition (one order of magnitude)" },
  { name: 'reportDelaySec', flag: 'report-delay-sec', default: 300, integer: false, min: 0, description: 'tunnel, rate and policy incidents are reported this long (event time) after they open, or at end of input, so one finding carries the counts reached by then', source: 'Zeek SumStats epoch (5 min)' },
  { name: 'policyMaxAggregates', flag: 'policy-max-aggregates', default: 100000, integer: true, min: 100, description: 'most (rule, sender, receiver, port) aggregates held at once; past it the oldest is reported and dropped (counted as evicted in the run summary)', source: 'flowhound memory bound' },
  { name: 'idBucketSec', flag: 'id-bucket-sec', default: 3600, integer: false, min: 1, description: 'finding ids hash the first event time floored to this bucket', source: 'flowhound: one id per incident per hour' },
] as const satisfies readonly SettingSpecOf<string>[];

/** The name of a setting (camelCase), e.g. `scanVerticalPorts`. */
export type SettingName = (typeof SPECS)[number]['name'];
/** Every setting by name, derived from `SETTING_SPECS` (the one source). */
export type Settings = { [Name in SettingName]: number };
export type SettingSpec = SettingSpecOf<SettingName>;

export const SETTING_SPECS: readonly SettingSpec[] = SPECS;

function defaultsOf(specs: readonly SettingSpec[]): Settings {
  const out: Partial<Settings> = {};
  for (const s of specs) out[s.name] = s.default;
  return out as Settings; // every name of SettingName has exactly one spec
}

// Settings objects are copied by spread before use: an object given its 72 properties one by one
// (defaultsOf, Object.assign) is in dictionary mode (%HasFastProperties false), which made every
// `settings.x` read on a per-record path a dictionary lookup in LoadIC; a spread copy has fast properties.
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ ...defaultsOf(SETTING_SPECS) });

const BY_FLAG = new Map(SETTING_SPECS.map((s) => [s.flag, s]));
const BY_NAME = new Map(SETTING_SPECS.map((s) => [s.name as string, s]));

/** The spec of a flag or camelCase name, or undefined. */
export function findSettingSpec(key: string): SettingSpec | undefined {
  return BY_FLAG.get(key) ?? BY_NAME.get(key);
}

/** Returns an error text when `value` is not valid for `spec`, else null. */
export function checkSettingValue(spec: SettingSpec, value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `expected a number, got ${typeof value === 'number' ? 'not a number' : JSON.stringify(value)}`;
  if (spec.integer && !Number.isInteger(value)) return `expected a whole number, got ${value}`;
  if (value < spec.min) return `expected at least ${spec.min}, got ${value}`;
  if (spec.max !== undefined && value > spec.max) return `expected at most ${spec.max}, got ${value}`;
  return null;
}

/** Defaults overlaid with the given partial settings. */
export function resolveSettings(...layers: Partial<Settings>[]): Settings {
  const merged = Object.assign({}, DEFAULT_SETTINGS, ...layers) as Settings;
  return { ...merged }; // fast properties (see DEFAULT_SETTINGS)
}
