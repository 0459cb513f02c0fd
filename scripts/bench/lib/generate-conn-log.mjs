// Zeek conn.log generators for the benchmarks (files under bench-data/, gitignored).
//   realistic:      ~5,000 internal clients, 2,000 servers picked with Zipf-like
//                   popularity, mostly complete TCP sessions, DNS to two resolvers,
//                   NTP, some ICMP, a few failed connections; ts slightly out of order
//                   (Zeek writes a line when its connection ends).
//   findings-heavy: uniform random hosts and ports on both sides, half of the
//                   connections failed (S0/REJ/RSTO/SH): every source, (source, host)
//                   and (host, port) is new, so detector state grows with the input.
import { createWriteStream, existsSync, renameSync } from 'node:fs';

const HEADER = [
  '#separator \\x09',
  '#set_separator\t,',
  '#empty_field\t(empty)',
  '#unset_field\t-',
  '#path\tconn',
  '#open\t2026-11-20-00-00-00',
  '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
  '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
];
const B62 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Deterministic xorshift-style generator (no dependency on dist/). */
function seeded(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Index in [0, n) with probability ~ 1/(i+1)^1 (Zipf, s = 1), by inverting the harmonic CDF. */
function zipfPicker(n, rnd) {
  const cdf = new Float64Array(n);
  let h = 0;
  for (let i = 0; i < n; i++) cdf[i] = h += 1 / (i + 1);
  return () => {
    const x = rnd() * h;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export async function generateConnLog(path, lines, kind) {
  if (existsSync(path)) return false;
  const rnd = seeded(kind === 'realistic' ? 42 : 4242);
  const int = (n) => Math.floor(rnd() * n);
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  const write = (s) => (out.write(s) ? Promise.resolve() : new Promise((r) => out.once('drain', r)));
  await write(`${HEADER.join('\n')}\n`);
  const uid = () => {
    let u = 'C';
    for (let k = 0; k < 17; k++) u += B62[int(62)];
    return u;
  };
  const ip4 = () => `${1 + int(223)}.${int(256)}.${int(256)}.${1 + int(254)}`;
  let t = 1795132800;
  const clients = Array.from({ length: 5000 }, () => `10.${int(8)}.${int(256)}.${1 + int(254)}`);
  const servers = Array.from({ length: 2000 }, ip4);
  const serverPort = servers.map(() => [443, 443, 443, 443, 80, 80, 22, 8080, 993, 25][int(10)]);
  const pickServer = zipfPicker(servers.length, rnd);
  let buf = [];
  for (let i = 0; i < lines; i++) {
    // ~25 connections per second on average: 2M lines span about a day.
    t += rnd() * 0.08;
    const ts = (t - (rnd() < 0.1 ? rnd() * 60 : 0)).toFixed(6);
    let line;
    if (kind === 'realistic') {
      const oh = clients[int(clients.length)];
      const r = rnd();
      if (r < 0.6) {
        const si = pickServer();
        const port = serverPort[si];
        const ok = rnd() < 0.96;
        if (ok) {
          const op = 3 + int(40);
          const rp = 2 + int(60);
          const ob = int(5000);
          const rb = int(200000);
          const service = port === 443 ? 'ssl' : port === 80 || port === 8080 ? 'http' : port === 22 ? 'ssh' : '-';
          line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${servers[si]}\t${port}\ttcp\t${service}\t${(rnd() * 30).toFixed(6)}\t${ob}\t${rb}\tSF\tT\tF\t0\tShADadFf\t${op}\t${ob + op * 52}\t${rp}\t${rb + rp * 52}\t-`;
        } else {
          const st = ['S0', 'REJ', 'RSTO', 'SH'][int(4)];
          line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${servers[si]}\t${port}\ttcp\t-\t-\t-\t-\t${st}\tT\tF\t0\tS\t1\t60\t0\t0\t-`;
        }
      } else if (r < 0.95) {
        const dns = rnd() < 0.85;
        const rh = dns ? (rnd() < 0.7 ? '10.0.0.53' : '10.0.0.54') : servers[pickServer()];
        line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${rh}\t${dns ? 53 : 123}\tudp\t${dns ? 'dns' : 'ntp'}\t${(rnd() * 0.1).toFixed(6)}\t${30 + int(40)}\t${60 + int(400)}\tSF\tT\tT\t0\tDd\t1\t${60 + int(40)}\t1\t${90 + int(400)}\t-`;
      } else {
        const rh = servers[pickServer()];
        const n = 1 + int(4);
        line = `${ts}\t${uid()}\t${oh}\t8\t${rh}\t0\ticmp\t-\t${(n - 1 + rnd() * 0.01).toFixed(6)}\t${56 * n}\t${56 * n}\tSF\tT\tF\t0\t-\t${n}\t${84 * n}\t${n}\t${84 * n}\t-`;
      }
    } else {
      const oh = ip4();
      const rh = ip4();
      const r = rnd();
      if (r < 0.5) {
        const st = ['S0', 'REJ', 'RSTO', 'SH'][int(4)];
        line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${rh}\t${1 + int(65535)}\ttcp\t-\t-\t-\t-\t${st}\tF\tF\t0\tS\t1\t60\t0\t0\t-`;
      } else if (r < 0.85) {
        const op = 3 + int(40);
        const rp = 2 + int(60);
        const ob = int(5000);
        const rb = int(200000);
        line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${rh}\t${1 + int(65535)}\ttcp\t-\t${(rnd() * 30).toFixed(6)}\t${ob}\t${rb}\tSF\tF\tF\t0\tShADadFf\t${op}\t${ob + op * 52}\t${rp}\t${rb + rp * 52}\t-`;
      } else if (r < 0.97) {
        line = `${ts}\t${uid()}\t${oh}\t${1024 + int(64000)}\t${rh}\t${rnd() < 0.3 ? 53 : 1 + int(65535)}\tudp\t-\t${(rnd() * 0.1).toFixed(6)}\t${30 + int(400)}\t${int(400)}\t${rnd() < 0.5 ? 'SF' : 'S0'}\tF\tF\t0\tD\t1\t${60 + int(400)}\t${int(2)}\t${int(400)}\t-`;
      } else {
        const n = 1 + int(6);
        line = `${ts}\t${uid()}\t${oh}\t8\t${rh}\t0\ticmp\t-\t${(rnd() * 5).toFixed(6)}\t${64 * n}\t${64 * n}\tOTH\tF\tF\t0\t-\t${n}\t${92 * n}\t${n}\t${92 * n}\t-`;
      }
    }
    buf.push(line);
    if (buf.length === 10000) {
      await write(`${buf.join('\n')}\n`);
      buf = [];
    }
  }
  if (buf.length) await write(`${buf.join('\n')}\n`);
  await write('#close\t2026-11-21-00-00-00\n');
  await new Promise((r) => out.end(r));
  renameSync(tmp, path);
  return true;
}
