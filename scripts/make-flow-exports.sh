#!/usr/bin/env bash
# make-flow-exports.sh — turn lab captures into the CSV flow exports that
# flowhound reads (Argus `ra -c ,` and nfdump `-o csv`), and record the tools'
# own totals in fixtures/exports/totals.json, so a test can compare flowhound's
# flow/packet totals with the tools'.
#
# Run (as root: the NetFlow export goes over loopback inside a private network
# namespace, fhexp, that the script creates and deletes):
#   sudo bash scripts/make-flow-exports.sh                       # default inputs
#   sudo bash scripts/make-flow-exports.sh fixtures/lab/X.pcap   # others
#
# For each input NAME.pcap it writes to fixtures/exports/:
#   argus-NAME.csv          argus -r NAME.pcap -w NAME.argus;
#                           ra -r NAME.argus -n -c , -s stime flgs proto saddr sport dir daddr dport pkts bytes state
#                           (with RA_TIME_FORMAT="%Y-%m-%d %T.%f", so StartTime carries the date)
#   argus-NAME-wide.csv     ra -r NAME.argus -u -n -p 6 -c , -s stime ltime dur flgs proto saddr sport dir daddr dport spkts dpkts sbytes dbytes state
#                           (StartTime/LastTime as epoch seconds)
#   nfdump-NAME.csv         softflowd -r NAME.pcap -v 5 -n 127.0.0.1:9995 into nfcapd -l DIR -p 9995; nfdump -R DIR -o csv
#   nfdump-nfpcapd-NAME.csv nfpcapd -r NAME.pcap -w DIR; nfdump -R DIR -o csv
# Totals: racount -r NAME.argus -M proto (Argus), and the "Summary:" line plus
# `nfdump -R DIR -s proto/packets` (nfdump).
#
# Why NetFlow v5: softflowd 1.1.0 in -r (pcap file) mode writes v9 and IPFIX
# records whose times are off by weeks (it mixes file time with system uptime);
# its v5 records carry the capture's times. nfpcapd (shipped with nfdump)
# converts pcap to nfcapd files directly and is kept as a second nfdump export.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${FLOWHOUND_EXPORTS_OUT:-$REPO/fixtures/exports}
NS=fhexp
PORT=9995
log() { printf '[exports %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[[ $(id -u) == 0 ]] || die "run as root (creates a network namespace for the NetFlow export)"

inputs=("$@")
((${#inputs[@]})) || inputs=("$REPO/fixtures/lab/scan-vertical.pcap" "$REPO/fixtures/lab/benign-1.pcap")
for f in "${inputs[@]}"; do [[ -f $f ]] || die "no such capture: $f (run scripts/lab/make-lab-captures.sh first)"; done

missing=()
for c in argus:argus-server ra:argus-client racount:argus-client softflowd:softflowd nfcapd:nfdump nfpcapd:nfdump nfdump:nfdump jq:jq; do
  command -v "${c%%:*}" >/dev/null 2>&1 || [[ -x /usr/sbin/${c%%:*} ]] || missing+=("${c#*:}")
done
if ((${#missing[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/fhexp.XXXXXX)
NFCAPD_PID=""
cleanup() {
  set +e
  [[ -n $NFCAPD_PID ]] && kill "$NFCAPD_PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
ip netns exec "$NS" ip link set lo up
mkdir -p "$OUT"
printf 'RA_TIME_FORMAT="%%Y-%%m-%%d %%T.%%f"\n' >"$WORK/rarc"

ARGUS_V=$( (argus -h 2>&1 || true) | sed -n 's/^Argus Version //p' | head -1)
NFDUMP_V=$( (nfdump -V 2>&1 || true) | sed 's/^nfdump: Version: //' | head -1)
SOFTFLOWD_V=$( (softflowd -h 2>&1 || true) | sed -n 's/.*softflowd version \([0-9.]*[0-9]\).*/\1/p' | head -1)
ENTRIES="$WORK/entries.jsonl"
: >"$ENTRIES"

# csv_counts FILE PROTO_COLUMN_NAME -> {"rows":N,"rowsByProto":{...}}
csv_counts() {
  "${PY:-/usr/bin/python3}" - "$1" "$2" <<'EOF'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
col = sys.argv[2]
by = {}
for r in rows:
    p = (r.get(col) or "").strip().lower()
    if p:
        by[p] = by.get(p, 0) + 1
print(json.dumps({"rows": sum(by.values()), "rowsByProto": by}))
EOF
}

# racount_json FILE.argus -> totals from racount -M proto
racount_json() {
  racount -r "$1" -M proto | awk '
    $1=="sum" {printf "{\"records\":%s,\"packets\":%s,\"srcPkts\":%s,\"dstPkts\":%s,\"bytes\":%s,\"srcBytes\":%s,\"dstBytes\":%s,\"byProto\":{", $2,$3,$4,$5,$6,$7,$8}
    /^Protocol Summary/ {inproto=1; next}
    inproto && NF>=8 {printf "%s\"%s\":{\"records\":%s,\"packets\":%s,\"bytes\":%s}", (n++?",":""), $1,$2,$3,$6}
    END {print "}}"}'
}

# nfdump_json DIR -> totals from the Summary line and -s proto/packets
nfdump_json() {
  local summary
  summary=$(nfdump -R "$1" | grep '^Summary:')
  local flows bytes packets
  flows=$(sed -n 's/.*total flows: \([0-9]*\).*/\1/p' <<<"$summary")
  bytes=$(sed -n 's/.*total bytes: \([0-9]*\).*/\1/p' <<<"$summary")
  packets=$(sed -n 's/.*total packets: \([0-9]*\).*/\1/p' <<<"$summary")
  local protos
  protos=$(nfdump -R "$1" -q -s proto/packets -o csv 2>/dev/null | awk -F, '$1 ~ /^[0-9]/ {printf "%s\"%s\":{\"flows\":%s,\"packets\":%s,\"bytes\":%s}", (n++?",":""), tolower($4), $6, $8, $10}')
  printf '{"flows":%s,"packets":%s,"bytes":%s,"summaryLine":"%s","byProto":{%s}}\n' "$flows" "$packets" "$bytes" "$summary" "$protos"
}

for pcap in "${inputs[@]}"; do
  name=$(basename "$pcap" .pcap)
  rel=${pcap#"$REPO"/}
  log "$name: argus"
  argus -r "$pcap" -w "$WORK/$name.argus"
  ra -F "$WORK/rarc" -r "$WORK/$name.argus" -n -c , -s stime flgs proto saddr sport dir daddr dport pkts bytes state >"$OUT/argus-$name.csv"
  ra -F "$WORK/rarc" -r "$WORK/$name.argus" -u -n -p 6 -c , -s stime ltime dur flgs proto saddr sport dir daddr dport spkts dpkts sbytes dbytes state >"$OUT/argus-$name-wide.csv"
  rc=$(racount_json "$WORK/$name.argus")
  for variant in "" "-wide"; do
    f="argus-$name$variant.csv"
    if [[ -z $variant ]]; then
      cmd="argus -r $rel -w $name.argus && RA_TIME_FORMAT='%Y-%m-%d %T.%f' ra -r $name.argus -n -c , -s stime flgs proto saddr sport dir daddr dport pkts bytes state"
    else
      cmd="argus -r $rel -w $name.argus && ra -r $name.argus -u -n -p 6 -c , -s stime ltime dur flgs proto saddr sport dir daddr dport spkts dpkts sbytes dbytes state"
    fi
    jq -nc --arg file "$f" --arg src "$rel" --arg cmd "$cmd" --arg tool "argus $ARGUS_V / ra $ARGUS_V" \
      --argjson csv "$(csv_counts "$OUT/$f" Proto)" --argjson totals "$rc" \
      '{file:$file,source:$src,tool:$tool,command:$cmd,csv:$csv,toolTotals:$totals,
        totalsCommand:("racount -r " + ($src|split("/")|last|sub("\\.pcap$";"")) + ".argus -M proto"),
        notes:"Bidirectional flows (one record per conversation, Src*/Dst* per direction). Bytes are whole-frame (Ethernet) bytes. Rows with Proto=man are Argus management records (their times are the argus run time, not the trace time); arp rows are ARP conversations. racount counts neither man records nor the header."}' >>"$ENTRIES"
  done

  log "$name: softflowd -v 5 -> nfcapd"
  rm -rf "$WORK/nf-$name"; mkdir -p "$WORK/nf-$name"
  ip netns exec "$NS" nfcapd -l "$WORK/nf-$name" -p "$PORT" -b 127.0.0.1 >"$WORK/nfcapd.log" 2>&1 &
  NFCAPD_PID=$!
  for _ in $(seq 50); do grep -q 'Startup' "$WORK/nfcapd.log" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  ip netns exec "$NS" timeout 60 softflowd -r "$pcap" -v 5 -n "127.0.0.1:$PORT" -d >"$WORK/softflowd-$name.log" 2>&1
  sleep 1.5
  kill -TERM "$NFCAPD_PID"; wait "$NFCAPD_PID" 2>/dev/null || true; NFCAPD_PID=""
  nfdump -R "$WORK/nf-$name" -o csv >"$OUT/nfdump-$name.csv"
  jq -nc --arg file "nfdump-$name.csv" --arg src "$rel" --arg tool "softflowd $SOFTFLOWD_V (NetFlow v5) -> nfcapd/nfdump $NFDUMP_V" \
    --arg cmd "nfcapd -l DIR -p $PORT -b 127.0.0.1 & softflowd -r $rel -v 5 -n 127.0.0.1:$PORT -d; nfdump -R DIR -o csv" \
    --argjson csv "$(csv_counts "$OUT/nfdump-$name.csv" pr)" --argjson totals "$(nfdump_json "$WORK/nf-$name")" \
    --arg sf "$(grep -E '^(Flows exported|Ignored packets)' "$WORK/softflowd-$name.log" | tr '\n' ';')" \
    '{file:$file,source:$src,tool:$tool,command:$cmd,csv:$csv,toolTotals:$totals,softflowdSummary:$sf,
      totalsCommand:"nfdump -R DIR (Summary: line) and nfdump -R DIR -s proto/packets",
      notes:"Unidirectional flows (one record per direction). Bytes are IP bytes (no Ethernet header). Non-IP frames (ARP) are ignored by softflowd. The trailing lines of nfdump -o csv (Summary, flows,bytes,...) are part of nfdump 1.7 output; a reader must stop at the Summary line."}' >>"$ENTRIES"

  log "$name: nfpcapd"
  rm -rf "$WORK/np-$name"; mkdir -p "$WORK/np-$name"
  timeout 60 nfpcapd -r "$pcap" -w "$WORK/np-$name" >"$WORK/nfpcapd-$name.log" 2>&1
  nfdump -R "$WORK/np-$name" -o csv >"$OUT/nfdump-nfpcapd-$name.csv"
  jq -nc --arg file "nfdump-nfpcapd-$name.csv" --arg src "$rel" --arg tool "nfpcapd/nfdump $NFDUMP_V" \
    --arg cmd "nfpcapd -r $rel -w DIR; nfdump -R DIR -o csv" \
    --argjson csv "$(csv_counts "$OUT/nfdump-nfpcapd-$name.csv" pr)" --argjson totals "$(nfdump_json "$WORK/np-$name")" \
    '{file:$file,source:$src,tool:$tool,command:$cmd,csv:$csv,toolTotals:$totals,
      totalsCommand:"nfdump -R DIR (Summary: line) and nfdump -R DIR -s proto/packets",
      notes:"Unidirectional flows. Bytes are IP bytes. Same trailing Summary lines as the softflowd export."}' >>"$ENTRIES"
done

jq -s --arg gen "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg script "scripts/make-flow-exports.sh" \
  '{generated:$gen, script:$script, exports:(map({key:.file, value:(del(.file))}) | from_entries)}' "$ENTRIES" >"$OUT/totals.json"
log "wrote $(ls "$OUT" | tr '\n' ' ')"
