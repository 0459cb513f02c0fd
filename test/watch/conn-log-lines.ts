/** Zeek TSV conn.log text made in the test, so watch tests run without shared data. */

export function connLogHeader(openTime = '2026-11-23-06-00-00'): string {
  return [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tconn',
    `#open\t${openTime}`,
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents',
    '#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]',
    '',
  ].join('\n');
}

export function connLogClose(closeTime = '2026-11-23-07-00-00'): string {
  return `#close\t${closeTime}\n`;
}

let serial = 0;

/** One unanswered SYN (S0), as nmap -sS leaves in conn.log. */
export function probeLine(tsSec: number, src: string, dst: string, port: number): string {
  serial++;
  return `${tsSec.toFixed(6)}\tCprobe${serial}\t${src}\t${40000 + (serial % 20000)}\t${dst}\t${port}\ttcp\t-\t-\t-\t-\tS0\tT\tT\t0\tS\t1\t44\t0\t0\t-\n`;
}

/** One ordinary completed connection (SF). */
export function benignLine(tsSec: number, src: string, dst: string, port: number): string {
  serial++;
  return `${tsSec.toFixed(6)}\tCok${serial}\t${src}\t${50000 + (serial % 10000)}\t${dst}\t${port}\ttcp\thttp\t0.250000\t300\t1200\tSF\tT\tT\t0\tShADadFf\t6\t620\t5\t1480\t-\n`;
}

/** A vertical scan: `ports` distinct ports probed from `src` to `dst`, one every 0.1 s from `t0`. */
export function scanLines(t0: number, src: string, dst: string, ports: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < ports; i++) out.push(probeLine(t0 + i * 0.1, src, dst, 1 + i * 7));
  return out;
}
