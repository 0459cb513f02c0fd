/**
 * Port-policy rules (`--rules FILE`, JSON or YAML): what a rule looks like,
 * how it is validated, and how a connection is matched against it.
 *
 * A rules file is either a list of rules or a mapping with `rules:` (and
 * optionally `include-defaults: false` to drop the shipped rules; by default
 * a file's rules are added to them, and a rule with a shipped rule's name
 * replaces it). A rule:
 *
 * ```yaml
 * - name: data_leakage          # finding kind policy.data_leakage; [a-z0-9_]+
 *   description: text
 *   severity: high              # info | low | medium | high | critical
 *   confidence: 0.8             # 0..1
 *   match:                      # every key given must hold
 *     proto: tcp                # or a list: [tcp, udp]
 *     src-port: 2012            # data sent FROM this port (number, "a-b" range, or a list)
 *     dst-port: 443             # data sent TO this port
 *     service-port: [23, 3389]  # the responder's (server's) port
 *     min-payload-bytes: 1024   # bytes that side sent over the connection
 *     min-packet-payload-bytes: 1024  # payload of one packet that side sent: the largest packet's
 *                               # (captures), or bytes / packets (flow logs, which have no packet sizes)
 *     max-payload-bytes: 10
 *     direction: outbound       # outbound | inbound | internal | external | any
 *     min-pps: 100              # (orig + resp packets) / duration
 *     conn-state: [SF, S1]      # Zeek conn_state
 *     established: true         # handshake completed and payload carried
 *     client: 10.0.0.0/8        # the originator's address: an address or IPv4/IPv6 prefix, or a list
 *     server: 192.0.2.10        # the responder's address, likewise
 *   suppress: [c2.beacon]       # optional: an allow rule — matching connections are left out of these
 *                               # detectors (periodic monitoring, NTP) and the rule reports nothing itself
 * ```
 *
 * A connection has two sides: what the originator sent (from origP to respP,
 * origBytes) and what the responder sent (from respP to origP, respBytes).
 * `src-port`, `dst-port` and the payload bounds are side conditions: a rule
 * matches when one side meets all of them (and all connection conditions
 * hold). Flow records carry per-connection payload totals, not per-packet
 * sizes, so "payload ≥ 1024 bytes" means the side sent at least that much.
 */
import { parseYamlText, readBoundedText } from '../config/parse-yaml.js';
import { DEFAULT_SETTINGS } from '../config/settings.js';
import { FlowhoundError } from '../errors.js';
import { isSeverity } from '../score/severity.js';
import type { FlowRecord, Proto, Severity } from '../types.js';
import { isPrivateAddress } from './ip-class.js';

export type Direction = 'outbound' | 'inbound' | 'internal' | 'external' | 'any';

export interface PortRange {
  lo: number;
  hi: number;
}

export interface PolicyMatch {
  proto?: Proto[];
  srcPort?: PortRange[];
  dstPort?: PortRange[];
  servicePort?: PortRange[];
  minPayloadBytes?: number;
  maxPayloadBytes?: number;
  minPacketPayloadBytes?: number;
  direction?: Direction;
  minPps?: number;
  connState?: string[];
  established?: boolean;
  client?: AddressPrefix[];
  server?: AddressPrefix[];
}

/** An address or prefix: `bits` leading bits of `bytes` (4 or 16 bytes) must match. */
export interface AddressPrefix {
  text: string;
  bytes: number[];
  bits: number;
}

export interface PolicyRule {
  name: string;
  description: string;
  severity: Severity;
  confidence: number;
  match: PolicyMatch;
  /** An allow rule: finding kinds whose detectors leave matching connections out; the rule itself reports nothing. */
  suppress?: string[];
}

export interface RuleSet {
  rules: PolicyRule[];
  includeDefaults: boolean;
}

/** The side of a connection that matched: who sent the data, from and to which port. */
export interface MatchedSide {
  sender: string;
  receiver: string;
  senderPort: number;
  receiverPort: number;
  payloadBytes: number;
  /** The port the finding names. */
  port: number;
  /** Whether `port` is the sender's (src) or the receiver's (dst) port. */
  portRole: 'src' | 'dst';
  /**
   * With `min-packet-payload-bytes`: the payload of one packet that was compared, and how it was read:
   * the largest packet's (captures) or bytes / packets (flow logs).
   */
  packetPayload?: number;
  packetReading?: 'largest-packet' | 'mean-per-packet';
}

const RULE_KEYS = new Set(['name', 'description', 'severity', 'confidence', 'match', 'suppress']);
/** Finding kinds an allow rule (`suppress`) can apply to: those computed per connection pair. */
const SUPPRESSIBLE = new Set(['c2.beacon']);
const MATCH_KEYS = new Set([
  'proto', 'src-port', 'dst-port', 'service-port', 'min-payload-bytes', 'max-payload-bytes', 'min-packet-payload-bytes', 'direction', 'min-pps', 'conn-state', 'established', 'client', 'server',
]);
const PROTOS: readonly Proto[] = ['tcp', 'udp', 'icmp', 'unknown_transport'];
const DIRECTIONS: readonly Direction[] = ['outbound', 'inbound', 'internal', 'external', 'any'];
const CONN_STATES = new Set(['S0', 'S1', 'SF', 'REJ', 'S2', 'S3', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH', 'SH', 'SHR', 'OTH']);
const ESTABLISHED_STATES = new Set(['S1', 'S2', 'S3', 'SF', 'RSTO', 'RSTR']);

/** Bytes a rules file may have per allowed rule (a rule in YAML is 100-300 bytes). */
export const RULES_FILE_BYTES_PER_RULE = 1024;

/**
 * Reads and validates a rules file of at most `maxRules` rules (the
 * `policy-max-rules` setting) and `maxRules` KiB: both are checked before
 * the rules are built, the size before the file is parsed.
 */
export function loadRulesFile(path: string, maxRules: number = DEFAULT_SETTINGS.policyMaxRules): RuleSet {
  const text = readBoundedText(path, maxRules * RULES_FILE_BYTES_PER_RULE, 'RULES_INVALID', `rules file (--policy-max-rules ${maxRules} allows ${maxRules} KiB)`);
  return parseRules(text, path, maxRules);
}

/** Parses and validates rules text (JSON or YAML); `file` names it in errors. */
export function parseRules(text: string, file: string, maxRules: number = DEFAULT_SETTINGS.policyMaxRules): RuleSet {
  return rulesFromData(parseYamlText(text, file, 'RULES_INVALID'), file, maxRules);
}

/** Validates rules already read into plain data (what `parseRules` makes of the text); `file` names them in errors. */
export function rulesFromData(data: unknown, file: string, maxRules: number = DEFAULT_SETTINGS.policyMaxRules): RuleSet {
  let list: unknown;
  let includeDefaults = true;
  if (Array.isArray(data)) list = data;
  else if (data !== null && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      if (k !== 'rules' && k !== 'include-defaults') throw new FlowhoundError('RULES_INVALID', `${file}: unknown top-level key "${k}" (expected "rules" and optionally "include-defaults")`, { file, key: k });
    }
    if (!('rules' in obj)) throw new FlowhoundError('RULES_INVALID', `${file}: no "rules" list`, { file });
    list = obj.rules;
    if ('include-defaults' in obj) {
      if (typeof obj['include-defaults'] !== 'boolean') throw new FlowhoundError('RULES_INVALID', `${file}: include-defaults: expected true or false, got ${JSON.stringify(obj['include-defaults'])}`, { file });
      includeDefaults = obj['include-defaults'];
    }
  } else {
    throw new FlowhoundError('RULES_INVALID', `${file}: expected a list of rules or a mapping with "rules", got ${data === null ? 'nothing' : typeof data}`, { file });
  }
  if (!Array.isArray(list)) throw new FlowhoundError('RULES_INVALID', `${file}: "rules" must be a list, got ${typeof list}`, { file });
  if (list.length > maxRules) {
    throw new FlowhoundError('RULES_INVALID', `${file}: ${list.length} rules, more than the ${maxRules} allowed (--policy-max-rules)`, { file, rules: list.length, maxRules });
  }
  const rules: PolicyRule[] = [];
  const seen = new Set<string>();
  list.forEach((raw, i) => {
    const rule = parseRule(raw, file, i + 1);
    if (seen.has(rule.name)) throw new FlowhoundError('RULES_INVALID', `${file}: rule ${i + 1} ("${rule.name}"): the name is used by an earlier rule`, { file, rule: rule.name, index: i + 1 });
    seen.add(rule.name);
    rules.push(rule);
  });
  return { rules, includeDefaults };
}

function parseRule(raw: unknown, file: string, index: number): PolicyRule {
  const name0 = raw !== null && typeof raw === 'object' && typeof (raw as Record<string, unknown>).name === 'string' ? ((raw as Record<string, unknown>).name as string) : null;
  const where = `${file}: rule ${index}${name0 ? ` ("${name0}")` : ''}`;
  const fail = (msg: string): never => {
    throw new FlowhoundError('RULES_INVALID', `${where}: ${msg}`, { file, rule: name0 ?? index, index });
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail(`expected a mapping, got ${JSON.stringify(raw)}`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) fail(`unknown key "${k}" (expected ${[...RULE_KEYS].join(', ')})`);
  if (typeof r.name !== 'string' || !/^[a-z0-9_]+$/.test(r.name)) fail(`name: expected lower-case letters, digits and _ (it becomes the finding kind policy.<name>), got ${JSON.stringify(r.name)}`);
  const severity = r.severity ?? 'medium';
  if (!isSeverity(severity)) fail(`severity: expected info, low, medium, high or critical, got ${JSON.stringify(r.severity)}`);
  const confidence = r.confidence ?? 0.5;
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) fail(`confidence: expected a number from 0 to 1, got ${JSON.stringify(r.confidence)}`);
  if (r.description !== undefined && typeof r.description !== 'string') fail(`description: expected text, got ${JSON.stringify(r.description)}`);
  if (r.match === null || typeof r.match !== 'object' || Array.isArray(r.match)) return fail(`match: expected a mapping of conditions, got ${JSON.stringify(r.match)}`);
  const m = r.match as Record<string, unknown>;
  if (Object.keys(m).length === 0) fail('match: no conditions (a rule must restrict something)');
  const match: PolicyMatch = {};
  for (const [k, v] of Object.entries(m)) {
    const field = `match.${k}`;
    switch (k) {
      case 'proto': {
        const list = Array.isArray(v) ? v : [v];
        for (const p of list) if (!PROTOS.includes(p as Proto)) fail(`${field}: expected tcp, udp or icmp (or a list), got ${JSON.stringify(p)}`);
        match.proto = list as Proto[];
        break;
      }
      case 'src-port':
      case 'dst-port':
      case 'service-port': {
        const ranges = parsePorts(v);
        if (typeof ranges === 'string') fail(`${field}: ${ranges}`);
        else if (k === 'src-port') match.srcPort = ranges;
        else if (k === 'dst-port') match.dstPort = ranges;
        else match.servicePort = ranges;
        break;
      }
      case 'min-payload-bytes':
      case 'max-payload-bytes':
      case 'min-packet-payload-bytes':
      case 'min-pps': {
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${field}: expected a number ≥ 0, got ${JSON.stringify(v)}`);
        if (k === 'min-payload-bytes') match.minPayloadBytes = v as number;
        else if (k === 'min-packet-payload-bytes') match.minPacketPayloadBytes = v as number;
        else if (k === 'max-payload-bytes') match.maxPayloadBytes = v as number;
        else match.minPps = v as number;
        break;
      }
      case 'direction':
        if (!DIRECTIONS.includes(v as Direction)) fail(`${field}: expected ${DIRECTIONS.join(', ')}, got ${JSON.stringify(v)}`);
        match.direction = v as Direction;
        break;
      case 'conn-state': {
        const list = Array.isArray(v) ? v : [v];
        for (const s of list) if (typeof s !== 'string' || !CONN_STATES.has(s)) fail(`${field}: expected Zeek conn_state values (${[...CONN_STATES].join(' ')}), got ${JSON.stringify(s)}`);
        match.connState = list as string[];
        break;
      }
      case 'established':
        if (typeof v !== 'boolean') fail(`${field}: expected true or false, got ${JSON.stringify(v)}`);
        match.established = v as boolean;
        break;
      case 'client':
      case 'server': {
        const list = Array.isArray(v) ? v : [v];
        if (list.length === 0) fail(`${field}: expected at least one address`);
        const prefixes: AddressPrefix[] = [];
        for (const a of list) {
          const prefix = typeof a === 'string' ? parseAddressPrefix(a) : null;
          if (prefix === null) fail(`${field}: expected an IPv4/IPv6 address or prefix (10.0.0.0/8, 2001:db8::/32), got ${JSON.stringify(a)}`);
          else prefixes.push(prefix);
        }
        if (k === 'client') match.client = prefixes;
        else match.server = prefixes;
        break;
      }
      default:
        fail(`unknown condition "${k}" (expected ${[...MATCH_KEYS].join(', ')})`);
    }
  }
  if (match.minPayloadBytes !== undefined && match.maxPayloadBytes !== undefined && match.minPayloadBytes > match.maxPayloadBytes) {
    fail('match: min-payload-bytes is larger than max-payload-bytes, so nothing can match');
  }
  const rule: PolicyRule = { name: r.name as string, description: (r.description as string | undefined) ?? '', severity: severity as Severity, confidence: confidence as number, match };
  if (r.suppress !== undefined) {
    const list = Array.isArray(r.suppress) ? r.suppress : [r.suppress];
    for (const k of list) if (typeof k !== 'string' || !SUPPRESSIBLE.has(k)) fail(`suppress: expected a list of finding kinds among ${[...SUPPRESSIBLE].join(', ')}, got ${JSON.stringify(k)}`);
    if (list.length === 0) fail('suppress: expected at least one finding kind');
    rule.suppress = list as string[];
  }
  return rule;
}

/** `10.1.2.3`, `10.0.0.0/8`, `2001:db8::/32`; null when not an address or prefix. */
export function parseAddressPrefix(text: string): AddressPrefix | null {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const bytes = addressBytes(addr);
  if (bytes === null) return null;
  const max = bytes.length * 8;
  const bits = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > max || (slash >= 0 && !/^\d+$/.test(text.slice(slash + 1)))) return null;
  return { text, bytes, bits };
}

/** The bytes of an IPv4 or IPv6 address in text form, or null. */
export function addressBytes(addr: string): number[] | null {
  if (!addr.includes(':')) {
    const parts = addr.split('.');
    if (parts.length !== 4) return null;
    const out: number[] = [];
    for (const p of parts) {
      if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
      out.push(Number(p));
    }
    return out;
  }
  const halves = addr.toLowerCase().split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

/** Whether `addr` lies in one of the prefixes. */
export function inPrefixes(prefixes: readonly AddressPrefix[], addr: string): boolean {
  const b = addressBytes(addr);
  if (b === null) return false;
  for (const p of prefixes) {
    if (p.bytes.length !== b.length) continue;
    let ok = true;
    let bits = p.bits;
    for (let i = 0; bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((b[i]! & mask) !== (p.bytes[i]! & mask)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

function parsePorts(v: unknown): PortRange[] | string {
  const list = Array.isArray(v) ? v : [v];
  if (list.length === 0) return 'expected at least one port';
  const out: PortRange[] = [];
  for (const p of list) {
    if (typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 65535) out.push({ lo: p, hi: p });
    else if (typeof p === 'string' && /^\d+-\d+$/.test(p)) {
      const [a, b] = p.split('-').map(Number) as [number, number];
      if (a > 65535 || b > 65535 || a > b) return `expected a port range lo-hi within 0-65535, got "${p}"`;
      out.push({ lo: a, hi: b });
    } else return `expected a port 0..65535, a range "lo-hi", or a list of them, got ${JSON.stringify(p)}`;
  }
  return out;
}

function inPorts(ranges: PortRange[], port: number): boolean {
  for (const r of ranges) if (port >= r.lo && port <= r.hi) return true;
  return false;
}

export function directionOf(f: FlowRecord): Exclude<Direction, 'any'> {
  const o = isPrivateAddress(f.origH);
  const r = isPrivateAddress(f.respH);
  if (o && r) return 'internal';
  if (o) return 'outbound';
  if (r) return 'inbound';
  return 'external';
}

function hasPayload(f: FlowRecord): boolean {
  return (f.origBytes ?? 0) > 0 || (f.respBytes ?? 0) > 0;
}

/** Whether the flow completed a handshake and carried payload (not a scan probe). */
export function isEstablished(f: FlowRecord): boolean {
  if (f.proto !== 'tcp') return f.respPkts > 0 && hasPayload(f);
  if (f.connState !== null) return ESTABLISHED_STATES.has(f.connState) && hasPayload(f);
  return f.respPkts > 0 && hasPayload(f);
}

/** The side of `f` that matches `rule`, or null. */
export function matchRule(rule: PolicyRule, f: FlowRecord): MatchedSide | null {
  const m = rule.match;
  if (m.proto && !m.proto.includes(f.proto)) return null;
  if (m.servicePort && !inPorts(m.servicePort, f.respP)) return null;
  if (m.connState && (f.connState === null || !m.connState.includes(f.connState))) return null;
  if (m.established !== undefined && isEstablished(f) !== m.established) return null;
  if (m.direction && m.direction !== 'any' && directionOf(f) !== m.direction) return null;
  if (m.client && !inPrefixes(m.client, f.origH)) return null;
  if (m.server && !inPrefixes(m.server, f.respH)) return null;
  if (m.minPps !== undefined) {
    const pkts = f.origPkts + f.respPkts;
    const pps = f.duration && f.duration > 0 ? pkts / f.duration : pkts;
    if (pps < m.minPps) return null;
  }
  const sideCond =
    m.srcPort !== undefined || m.dstPort !== undefined || m.minPayloadBytes !== undefined || m.maxPayloadBytes !== undefined || m.minPacketPayloadBytes !== undefined;
  if (!sideCond) return { sender: f.origH, receiver: f.respH, senderPort: f.origP, receiverPort: f.respP, payloadBytes: (f.origBytes ?? 0) + (f.respBytes ?? 0), port: f.respP, portRole: 'dst' };
  const orig = matchSide(m, f.origH, f.respH, f.origP, f.respP, f.origBytes ?? 0, f.origMaxPayload, f.origPkts);
  if (orig) return orig;
  return matchSide(m, f.respH, f.origH, f.respP, f.origP, f.respBytes ?? 0, f.respMaxPayload, f.respPkts);
}

function matchSide(
  m: PolicyMatch,
  sender: string,
  receiver: string,
  senderPort: number,
  receiverPort: number,
  payload: number,
  maxPacketPayload: number | undefined,
  packets: number,
): MatchedSide | null {
  if (m.srcPort && !inPorts(m.srcPort, senderPort)) return null;
  if (m.dstPort && !inPorts(m.dstPort, receiverPort)) return null;
  if (m.minPayloadBytes !== undefined && payload < m.minPayloadBytes) return null;
  if (m.maxPayloadBytes !== undefined && payload > m.maxPayloadBytes) return null;
  const portRole = m.srcPort ? 'src' : 'dst';
  const side: MatchedSide = { sender, receiver, senderPort, receiverPort, payloadBytes: payload, port: portRole === 'src' ? senderPort : receiverPort, portRole };
  if (m.minPacketPayloadBytes !== undefined) {
    // Captures know each packet's size; flow logs only totals, so their reading is the mean.
    const perPacket = maxPacketPayload ?? (packets > 0 ? Math.round(payload / packets) : 0);
    if (perPacket < m.minPacketPayloadBytes) return null;
    side.packetPayload = perPacket;
    side.packetReading = maxPacketPayload !== undefined ? 'largest-packet' : 'mean-per-packet';
  }
  return side;
}

/** The shipped rules overlaid with a file's rules (same name replaces). */
export function combineRules(defaults: readonly PolicyRule[], file: RuleSet | null): PolicyRule[] {
  if (file === null) return [...defaults];
  const byName = new Map<string, PolicyRule>();
  if (file.includeDefaults) for (const r of defaults) byName.set(r.name, r);
  for (const r of file.rules) byName.set(r.name, r);
  return [...byName.values()];
}
