#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# interop/run.sh: minike against strongSwan (Debian's charon-systemd) in two network namespaces,
# and against libreswan's pluto (unpacked privately, see interop/libreswan/fetch.sh).
#
# Each scenario gets a fresh pair of namespaces, a fresh charon and a fresh capture, and everything
# is removed again by PID and by name when the scenario ends, fails or is interrupted (trap).
# It never touches an address outside the two namespaces it creates.
#
#   ┌─────────────────────────────────────┐            ┌─────────────────────────────────────────┐
#   │ mkI<pid>x<n>  "initiator"           │            │ mkR<pid>x<n>  "responder"               │
#   │                                     │            │                                         │
#   │  minike initiate                    │            │  charon-systemd (kernel-libipsec,       │
#   │  (or charon-systemd + swanctl       │            │   UDP 500/4500, vici socket in $W/R)    │
#   │   --initiate, scenario "swan-*")    │            │  (or minike respond, "reverse-*";       │
#   │                                     │            │   or pluto, libreswan/<scenario>)       │
#   │  tcpdump -U -i vI -> $W/ike.pcap    │            │                                         │
#   │                                     │   veth     │                                         │
#   │  vI 10.77.0.1/24 ───────────────────┼────────────┼─────────────────── vR 10.77.0.2/24      │
#   │  lo 10.77.20.1/32   (TSi, inner src)│            │  lo 10.77.10.1/32 (TSr, ping target)    │
#   │                                     │            │  ipsec0 (TUN made by kernel-libipsec)   │
#   └─────────────────────────────────────┘            └─────────────────────────────────────────┘
#
# The kernel here has no ESP (see interop/README.md): strongSwan's child SAs live in userspace
# (kernel-libipsec), which only does ESP in UDP, so minike must send NAT_DETECTION_* and move to
# UDP 4500 with the non-ESP marker; ESP then flows as ESP-in-UDP on 4500.
#
# usage: interop/run.sh [--save] [--keep] [--minike PATH] [--list] [--table] [SCENARIO ...|all]
#   --save     copy each scenario's capture, Wireshark key tables and summary to pcaps/interop/<s>/
#   --keep     keep the work directory (printed) instead of deleting it
#   --minike   the minike binary (default: $MINIKE, else build*/minike under the repo, newest)
#   --list     print the scenario names and exit
#   --table    print the Markdown results table from pcaps/interop/*/summary.txt and exit
# exit: 0 all passed, 1 a scenario failed, 77 skipped (not root, no namespaces, no strongSwan,
#       no minike binary for a scenario that needs one).
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SCEN_DIRS=("$HERE/strongswan" "$HERE/libreswan")
list_scenarios() { local d; for d in "${SCEN_DIRS[@]}"; do ls "$d"/*/expect 2>/dev/null; done | xargs -r -n1 dirname | xargs -r -n1 basename; }
scen_dir() { local d; for d in "${SCEN_DIRS[@]}"; do [ -f "$d/$1/expect" ] && { echo "$d/$1"; return 0; }; done; return 1; }
LIBRESWAN=${MK_LIBRESWAN:-$ROOT/build/libreswan}
SAVE=0 KEEP=0 TABLE=0 MINIKE=${MINIKE:-}
SCENARIOS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --save) SAVE=1 ;;
    --keep) KEEP=1 ;;
    --minike) MINIKE=$2; shift ;;
    --list) list_scenarios; exit 0 ;;
    --table) TABLE=1 ;;
    -h|--help) sed -n '/^# usage/,/^#       no minike/p' "$0"; exit 0 ;;
    all) mapfile -t -O "${#SCENARIOS[@]}" SCENARIOS < <(list_scenarios) ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) SCENARIOS+=("$1") ;;
  esac
  shift
done
[ ${#SCENARIOS[@]} -gt 0 ] || mapfile -t SCENARIOS < <(list_scenarios)
if [ "$TABLE" = 1 ]; then
  echo "| scenario | initiator → responder (version) | result | IKE setup: datagrams / bytes | other IKE | ESP |"
  echo "|---|---|---|---|---|---|"
  for f in "$ROOT"/pcaps/interop/*/summary.txt; do
    [ -f "$f" ] || continue
    awk -F': ' '/^scenario:/{s=$2} /^pair:/{p=$2} /^result:/{r=$2} /^exit:/{x=$2}
      /^setup /{split($0,a," [|] "); sub(/^setup /,"",a[1]); sub(/ dgrams /," / ",a[1]); sub(/ bytes/," B",a[1]);
                sub(/^other IKE /,"",a[2]); sub(/\//," / ",a[2]); sub(/^ESP /,"",a[3]); sub(/\//," / ",a[3]);
                b=a[1]; o=a[2]; e=a[3]}
      END{printf "| %s | %s | %s (exit %s) | %s | %s | %s |\n", s, p, r, x, b, o, e}' "$f"
  done
  exit 0
fi

# ---- addresses (only inside our namespaces) -----------------------------------------------------
I_ADDR=10.77.0.1 R_ADDR=10.77.0.2
I_NET=10.77.20.0/24 R_NET=10.77.10.0/24
I_INNER=10.77.20.1 R_INNER=10.77.10.1
I_ID=init.minike.test R_ID=resp.minike.test
PSK_GOOD="minike-interop-psk-0123456789"
PSK_WRONG="not-the-right-psk-9876543210"
MINIKE_TIMEOUT=40          # hard bound on one minike run (seconds), on top of its own --timeout

skip() { echo "SKIP: $*"; exit 77; }
log() { printf '%s %s\n' "$(date +%T)" "$*"; }

# ---- preconditions: skip (77) rather than fail when the machine cannot run this ------------------
[ "$(id -u)" -eq 0 ] || skip "interop needs root (network namespaces, port 500)"
for t in ip tcpdump swanctl python3; do
  command -v "$t" >/dev/null 2>&1 || skip "$t not installed (scripts/deps.sh installs it)"
done
CHARON=/usr/sbin/charon-systemd
[ -x "$CHARON" ] || skip "charon-systemd not installed (scripts/deps.sh installs it)"
[ -e /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ] ||
  skip "kernel-libipsec plugin missing (libcharon-extra-plugins)"
probe=mkP$$
ip netns add "$probe" 2>/dev/null || skip "cannot create network namespaces here"
ip netns del "$probe"
[ -e /dev/net/tun ] || skip "/dev/net/tun missing (kernel-libipsec needs TUN)"
SWAN_VERSION=$(dpkg-query -W -f='${Version}' charon-systemd 2>/dev/null || echo unknown)

if [ -z "$MINIKE" ]; then
  MINIKE=$(ls -t "$ROOT"/build*/minike "$ROOT"/build/*/minike 2>/dev/null | head -n1 || true)
fi

WORK=$(mktemp -d -t mk-interop.XXXXXX)
PIDS=()        # every background process we started, killed by PID on exit
NETNS=()       # every namespace we created
cleanup() {
  local p i
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  PIDS=()
  for p in "${NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done
  NETNS=()
}
finish() {
  cleanup
  if [ "$KEEP" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT
trap 'exit 130' INT TERM

stop_pid() { # stop one of our processes now (TERM, bounded wait, KILL) and forget it
  local p=$1 i keep=()
  kill -TERM "$p" 2>/dev/null
  for i in $(seq 1 30); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
  for i in "${PIDS[@]}"; do [ "$i" = "$p" ] || keep+=("$i"); done
  PIDS=("${keep[@]}")
}

wait_for() { # wait_for SECONDS CMD...: poll every 0.1 s, bounded
  local n=$(( $1 * 10 )); shift
  while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
  return 1
}

# ---- topology ------------------------------------------------------------------------------------
SEQ=0
make_netns() {
  SEQ=$((SEQ + 1))
  NSI=mkI$$x$SEQ NSR=mkR$$x$SEQ
  ip netns add "$NSI" && NETNS+=("$NSI") || return 1
  ip netns add "$NSR" && NETNS+=("$NSR") || return 1
  # both ends are created directly inside the namespaces: no name in the root namespace
  ip link add vI netns "$NSI" type veth peer name vR netns "$NSR" || return 1
  ip -n "$NSI" addr add $I_ADDR/24 dev vI
  ip -n "$NSR" addr add $R_ADDR/24 dev vR
  ip -n "$NSI" addr add $I_INNER/32 dev lo
  ip -n "$NSR" addr add $R_INNER/32 dev lo
  for n in "$NSI" "$NSR"; do ip -n "$n" link set lo up; done
  ip -n "$NSI" link set vI up && ip -n "$NSR" link set vR up
}

# ---- strongSwan ----------------------------------------------------------------------------------
# write_swan DIR EXTRA_CHARON_FILE: strongswan.conf with a main log and a level-4 key log
write_swan() {
  local d=$1 extra=${2:-}
  mkdir -p "$d"/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
  {
    cat <<EOF
charon-systemd {
  journal {
    default = -1
  }
}
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gcm ccm chapoly curve25519 openssl gmp pem pkcs1 pkcs8 pubkey x509 kdf drbg kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  retransmit_tries = 2
  retransmit_timeout = 1.0
  filelog {
    main {
      path = $d/charon.log
      time_format = %H:%M:%S
      ike_name = yes
      default = 1
      ike = 2
      cfg = 2
      chd = 2
      knl = 1
      net = 1
      flush_line = yes
    }
    keys {
      path = $d/charon-keys.log
      time_format = %H:%M:%S
      ike_name = yes
      default = 0
      cfg = 1
      ike = 4
      chd = 4
      flush_line = yes
    }
  }
  plugins {
    vici {
      socket = unix://$d/charon.vici
    }
  }
EOF
    [ -n "$extra" ] && [ -f "$extra" ] && sed 's/^/  /' "$extra"
    cat <<EOF
}
swanctl {
  socket = unix://$d/charon.vici
  load = pem pkcs1 pkcs8 x509 pubkey openssl curve25519 random
}
EOF
  } > "$d/strongswan.conf"
}

render() { # render TEMPLATE OUT: fill the @NAME@ placeholders of a swanctl.conf
  sed -e "s|@I_ADDR@|$I_ADDR|g" -e "s|@R_ADDR@|$R_ADDR|g" -e "s|@I_NET@|$I_NET|g" \
      -e "s|@R_NET@|$R_NET|g" -e "s|@I_ID@|$I_ID|g" -e "s|@R_ID@|$R_ID|g" \
      -e "s|@PSK@|$PSK_GOOD|g" -e "s|@K@|${KEYDIR:-/nonexistent}|g" -e "s|@W@|${WDIR:-/nonexistent}|g" \
      -e "s|@R_FP@|${R_FP:-}|g" -e "s|@I_FP@|${I_FP:-}|g" "$1" > "$2"
}
subst() { # subst TEXT: the same placeholders in a string (expect file "args:")
  local t
  t=$(mktemp); printf '%s' "$1" > "$t"; render "$t" "$t.out"; cat "$t.out"; rm -f "$t" "$t.out"
}

# ---- raw public keys ("rpk:" in expect) -----------------------------------------------------------
# make_keys DIR TYPE TOOL: key pairs i (the initiator's) and r (the responder's) in DIR, each as
# X.key (private: minike keygen's PKCS#8/PKCS#1 DER, deterministic from $SEED, or pki --gen's
# DER, fresh every run), X.pub.der and X.pub.pem;
# sets I_FP/R_FP (SHA-256 of the DER SPKI, as minike keygen --print shows it).
make_keys() {
  local d=$1 type=$2 tool=${3:-minike} who
  mkdir -p "$d"
  for who in i r; do
    if [ "$tool" = pki ]; then
      if [ "$type" = rsa ]; then pki --gen --type rsa --size 2048 > "$d/$who.key" 2>/dev/null
      else pki --gen --type ed25519 > "$d/$who.key" 2>/dev/null; fi || return 1
      pki --pub --in "$d/$who.key" > "$d/$who.pub.der" 2>/dev/null || return 1
      pki --pub --in "$d/$who.key" --outform pem > "$d/$who.pub.pem" 2>/dev/null || return 1
    else
      # seeded (SEED+1 for i, SEED+2 for r): the same test keys every run, so a saved capture's
      # keys (pcaps/interop/<s>/keys/) stay those of its replay files
      "$MINIKE" keygen --type "$type" --out "$d/$who" --seed $((SEED + $([ $who = i ] && echo 1 || echo 2))) \
        > "$d/$who.keygen.txt" 2>&1 || return 1
    fi
  done
  I_FP=$("$MINIKE" keygen --print "$d/i.pub.der" | sed -n 's/^  sha256: *//p')
  R_FP=$("$MINIKE" keygen --print "$d/r.pub.der" | sed -n 's/^  sha256: *//p')
  [ -n "$I_FP" ] && [ -n "$R_FP" ]
}

sw() { # sw DIR swanctl-args...: drive the charon whose files are in DIR
  local d=$1; shift
  STRONGSWAN_CONF=$d/strongswan.conf SWANCTL_DIR=$d/swanctl swanctl "$@"
}

start_charon() { # start_charon NS DIR: charon-systemd in NS, config loaded
  local ns=$1 d=$2
  ip netns exec "$ns" env STRONGSWAN_CONF="$d/strongswan.conf" "$CHARON" > "$d/charon.stdout" 2>&1 &
  PIDS+=("$!"); echo $! > "$d/charon.pid"
  wait_for 10 test -S "$d/charon.vici" || { echo "charon did not open its vici socket"; return 1; }
  sw "$d" --load-all --noprompt > "$d/load.txt" 2>&1 || { cat "$d/load.txt"; return 1; }
}

# ---- libreswan (pluto from a private dpkg -x tree, see interop/libreswan/fetch.sh) ----------------
start_pluto() { # start_pluto NS DIR SCENARIO_DIR: pluto in NS with the scenario's ipsec.conf/.secrets
  local ns=$1 d=$2 sd=$3 lib=$LIBRESWAN/root/usr/lib/x86_64-linux-gnu
  mkdir -p "$d/nss" "$d/run"
  LD_LIBRARY_PATH=$lib "$LIBRESWAN/root/usr/bin/certutil" -N -d "sql:$d/nss" --empty-password ||
    { echo "certutil failed"; return 1; }
  render "$sd/ipsec.conf" "$d/ipsec.conf"
  sed -i "s|@W@|$d|g" "$d/ipsec.conf"
  render "$sd/ipsec.secrets" "$d/ipsec.secrets"
  # pluto runs <IPSEC_EXECDIR>/addconn = /usr/libexec/ipsec/addconn (compiled in): give it a
  # private mount namespace in which /usr/libexec is the unpacked package's.
  ip netns exec "$ns" unshare -m --propagation private sh -c \
    "mount --bind '$LIBRESWAN/root/usr/libexec' /usr/libexec && exec env LD_LIBRARY_PATH='$lib' \
     /usr/libexec/ipsec/pluto --nofork --config '$d/ipsec.conf' --rundir '$d/run' --nssdir '$d/nss' \
     --secretsfile '$d/ipsec.secrets' --ipsecdir '$d' --logfile '$d/pluto.log'" > "$d/pluto.stdout" 2>&1 &
  PIDS+=("$!"); echo $! > "$d/pluto.pid"
  wait_for 10 grep -q "adding UDP interface vR $R_ADDR:500" "$d/pluto.log" 2>/dev/null ||
    { echo "pluto did not start"; cat "$d/pluto.stdout"; return 1; }
}

start_capture() { # start_capture NS IF FILE
  ip netns exec "$1" tcpdump -i "$2" -U --immediate-mode -n -w "$3" udp > "$3.log" 2>&1 &
  PIDS+=("$!"); CAP_PID=$!
  wait_for 10 grep -qs 'listening on' "$3.log" || { echo "tcpdump did not start"; return 1; }
}

# ---- expectations --------------------------------------------------------------------------------
# expect file: "key: value" lines, '#' comments. Keys:
#   mode: minike | swan | reverse      who initiates (default minike; see the header)
#   args: ...        extra minike arguments (initiate or respond)
#   psk: wrong       minike uses a wrong PSK
#   exit: N [N...]   minike's (or swanctl --initiate's) expected exit code (any of them)
#   out: ERE         minike's stdout+stderr must match (one line per key, all must match)
#   pcap: ERE        interop/pcapstat.py's listing of the capture must match (payload chains of the
#                    unencrypted messages, ESP SPIs and sequence numbers)
#   tshark: ERE      tshark -V's decryption of the capture with the tables made from charon's key
#                    log must match
#   log: ERE         the strongSwan peer's main log must match
#   nolog: ERE       ... must not match
#   keys: compare    minike's --keys tables must equal charon's level-4 key log, byte for byte
#   echo-server: PORT  a UDP echo server (udpecho.py --serve) on the responder's inner address
#   decoy: N         send N half-open IKE_SA_INIT requests first (cookie scenario)
#   action: SECS CMD run "sw <responder> CMD" SECS seconds after minike started (background)
#   skip-exit: N     minike exiting N (e.g. 3: suite not built in) makes the scenario a SKIP
#   peer: strongswan | libreswan   the responder (default strongswan; libreswan: pluto, see
#                    interop/libreswan/fetch.sh)
#   child: NAME      swanctl --initiate --child NAME (modes swan and reverse)
#   rpk: TYPE [TOOL] raw public keys instead of the PSK: TYPE ed25519 or rsa, made by TOOL
#                    (minike keygen, the default, or pki --gen) as @K@/{i,r}.{key,pub.der,pub.pem};
#                    the strongSwan side's private key goes to its swanctl/private/. Placeholders
#                    in swanctl.conf and args: @K@ (key dir), @W@ (work dir), @I_FP@, @R_FP@.
#                    minike gets no --psk-file: args must give --key (and a pin or --state).
#   nofile: PATH     PATH (placeholders allowed) must not exist afterwards (no imprint written)
exp_get() { grep -E "^$1:" "$2" | sed -E "s/^$1:[[:space:]]*//" ; }

FAILS=0
ok()   { echo "  ok   $*"; }
bad()  { echo "  FAIL $*"; FAILS=$((FAILS + 1)); }

# ---- one scenario --------------------------------------------------------------------------------
run_scenario() {
  local s=$1 sd W=$WORK/$1 e rc mode peer
  PEERLOG=$WORK/$1/R/charon.log
  sd=$(scen_dir "$s") || { echo "unknown scenario $s (see --list)"; return 2; }
  e=$sd/expect
  mkdir -p "$W/R" "$W/I"
  mode=$(exp_get mode "$e"); mode=${mode:-minike}
  peer=$(exp_get peer "$e"); peer=${peer:-strongswan}
  FAILS=0
  # A fixed per-scenario seed for every minike run (initiate/respond --seed, keygen --seed): the
  # same SPIs, nonces and DH keys each time, so harness/replay/test_replay_interop.c can rebuild
  # our initiator from pcaps/interop/<s>/<s>.keys and replay the peer's half of the capture.
  SEED=$(( $(printf '%s' "$s" | cksum | cut -d' ' -f1) % 900000 + 100000 ))
  echo "=== $s ($(head -n1 "$e" | sed 's/^# *//'))"
  if [ "$mode" != swan ] && [ ! -x "${MINIKE:-/nonexistent}" ]; then
    echo "  SKIP no minike binary (build it, or pass --minike PATH)"; return 77
  fi
  if [ "$peer" = libreswan ] && ! "$HERE/libreswan/fetch.sh" "$LIBRESWAN" > "$W/fetch.txt" 2>&1; then
    echo "  SKIP libreswan unavailable: $(tail -n1 "$W/fetch.txt")"; return 77
  fi
  make_netns || { bad "namespaces"; return 1; }

  printf '%s' "$PSK_GOOD" > "$W/psk.good"; printf '%s' "$PSK_WRONG" > "$W/psk.wrong"
  local pskf=$W/psk.good
  [ "$(exp_get psk "$e")" = wrong ] && pskf=$W/psk.wrong
  local rpk pskopt args
  rpk=$(exp_get rpk "$e")
  KEYDIR=$W/keys-rpk WDIR=$W I_FP= R_FP=
  if [ -n "$rpk" ]; then
    # shellcheck disable=SC2086
    make_keys "$KEYDIR" $rpk || { bad "key generation ($rpk)"; return 1; }
    pskopt=()
  else
    pskopt=(--psk-file "$pskf")
  fi
  args=$(subst "$(exp_get args "$e")")

  # the strongSwan side(s)
  local RD=$W/R ID=$W/I
  if [ "$mode" = reverse ]; then RD=$W/I; PEERLOG=$RD/charon.log; fi
  if [ "$peer" = strongswan ]; then
    write_swan "$RD" "$sd/charon.conf"
    render "$sd/swanctl.conf" "$RD/swanctl/swanctl.conf"
    if [ -n "$rpk" ]; then  # strongSwan's own private key: the responder's, or in reverse the initiator's
      if [ "$mode" = reverse ]; then cp "$KEYDIR/i.key" "$RD/swanctl/private/"; else cp "$KEYDIR/r.key" "$RD/swanctl/private/"; fi
    fi
  fi
  if [ "$mode" = swan ]; then
    write_swan "$ID" "$sd/charon-initiator.conf"
    render "$sd/initiator.swanctl.conf" "$ID/swanctl/swanctl.conf"
  fi
  local capns=$NSI capif=vI
  start_capture "$capns" "$capif" "$W/ike.pcap" || { bad "capture"; return 1; }
  if [ "$peer" = libreswan ]; then
    start_pluto "$NSR" "$RD" "$sd" || { bad "responder pluto start"; return 1; }
    PEERLOG=$RD/pluto.log
  elif [ "$mode" != reverse ]; then
    start_charon "$NSR" "$RD" || { bad "responder charon start"; return 1; }
  fi

  local n decoy echo_port
  echo_port=$(exp_get echo-server "$e")
  if [ -n "$echo_port" ]; then
    ip netns exec "$NSR" python3 "$HERE/udpecho.py" --serve $R_INNER:$echo_port 60 > "$W/echo-server.txt" 2>&1 &
    PIDS+=("$!")
    wait_for 5 grep -qs serving "$W/echo-server.txt" || bad "UDP echo server did not start"
  fi
  decoy=$(exp_get decoy "$e")
  if [ -n "$decoy" ]; then
    for n in $(seq 1 "$decoy"); do
      ip netns exec "$NSI" python3 "$HERE/decoy.py" "$R_ADDR" $((40000 + n)) >> "$W/decoy.log" 2>&1 ||
        { bad "decoy IKE_SA_INIT $n"; cat "$W/decoy.log"; }
    done
  fi

  local out=$W/out.txt want_exit t0 t1 mk_common
  want_exit=$(exp_get exit "$e"); want_exit=${want_exit:-0}
  mk_common=("${pskopt[@]}" --tsi "$I_NET" --tsr "$R_NET" --keys "$W/keys" --timeout 10 --seed "$SEED")
  mkdir -p "$W/keys"
  t0=$(date +%s.%N)
  case "$mode" in
    minike)
      local act aftr acmd
      act=$(exp_get action "$e")
      if [ -n "$act" ]; then
        aftr=${act%% *}; acmd=${act#* }
        ( sleep "$aftr"; sw "$RD" $acmd > "$W/action.txt" 2>&1 ) &
        PIDS+=("$!")
      fi
      # --inner-src only with traffic: minike refuses it as a usage error otherwise
      local srcopt=()
      [[ " $args " == *" --ping "* || " $args " == *" --send "* ]] && srcopt=(--inner-src $I_INNER)
      # shellcheck disable=SC2046
      ip netns exec "$NSI" timeout -k 2 $MINIKE_TIMEOUT "$MINIKE" initiate --peer $R_ADDR \
        --id fqdn:$I_ID --remote-id fqdn:$R_ID "${srcopt[@]}" "${mk_common[@]}" \
        $args > "$out" 2>&1
      rc=$?
      ;;
    swan)
      start_charon "$NSI" "$ID" || { bad "initiator charon start"; return 1; }
      sw "$ID" --initiate --child "$(exp_get child "$e")" --timeout 15 > "$out" 2>&1
      rc=$?
      [ $rc = 0 ] && { ip netns exec "$NSI" ping -c 1 -W 2 -I $I_INNER $R_INNER >> "$out" 2>&1 || true; }
      sw "$ID" --list-sas > "$ID/list-sas.txt" 2>&1
      ;;
    reverse)
      # shellcheck disable=SC2046
      ip netns exec "$NSR" timeout -k 2 $MINIKE_TIMEOUT "$MINIKE" respond --listen $R_ADDR \
        --id fqdn:$R_ID "${pskopt[@]}" --tsr $R_NET --keys "$W/keys" --seed "$SEED" $args > "$out" 2>&1 &
      local mpid=$!; PIDS+=("$mpid")
      wait_for 5 grep -qs 'listening on' "$out" || bad "minike respond did not report 'listening on'"
      start_charon "$NSI" "$RD" || { bad "initiator charon start"; return 1; }
      sw "$RD" --initiate --child "$(exp_get child "$e")" --timeout 15 > "$W/initiate.txt" 2>&1
      rc=$?
      ip netns exec "$NSI" ping -c 2 -i 0.3 -W 2 -I $I_INNER $R_INNER > "$W/ping.txt" 2>&1
      echo "ping exit $?" >> "$W/ping.txt"
      ip netns exec "$NSI" python3 "$HERE/udpecho.py" $I_INNER $R_INNER:7 "hello-from-strongswan" >> "$W/ping.txt" 2>&1
      sw "$RD" --list-sas > "$RD/list-sas.txt" 2>&1
      stop_pid "$mpid"
      cat "$W/initiate.txt" "$W/ping.txt" >> "$out"
      ;;
  esac
  t1=$(date +%s.%N)
  [ "$mode" != reverse ] && [ "$peer" = strongswan ] && sw "$RD" --list-sas > "$RD/list-sas.txt" 2>&1
  sleep 0.3                                   # let the last datagrams reach the capture
  stop_pid "$CAP_PID"

  # ---- verdicts
  local skip_exit
  skip_exit=$(exp_get skip-exit "$e")
  if [ -n "$skip_exit" ] && [ "$rc" = "$skip_exit" ]; then
    echo "  SKIP minike exit $rc: $(grep -m1 'minike:' "$out")"
    cleanup; return 77
  fi
  if [[ " $want_exit " == *" $rc "* ]]; then ok "exit code $rc"; else bad "exit code $rc, expected $want_exit"; fi
  local re
  while IFS= read -r re; do
    [ -n "$re" ] || continue
    if grep -Eq -- "$re" "$out"; then ok "output: /$re/"; else bad "output lacks /$re/"; fi
  done < <(exp_get out "$e")
  while IFS= read -r re; do
    [ -n "$re" ] || continue
    if grep -Eq -- "$re" "$PEERLOG"; then ok "$peer log: /$re/"; else bad "$peer log lacks /$re/"; fi
  done < <(exp_get log "$e")
  while IFS= read -r re; do
    [ -n "$re" ] || continue
    if grep -Eq -- "$re" "$PEERLOG"; then bad "$peer log has /$re/"; else ok "$peer log lacks /$re/"; fi
  done < <(exp_get nolog "$e")
  while IFS= read -r re; do
    [ -n "$re" ] || continue
    re=$(subst "$re")
    if [ -e "$re" ]; then bad "file exists: $re"; else ok "no file $re"; fi
  done < <(exp_get nofile "$e")

  # Wireshark tables from charon's own key log (the independent side)
  if [ "$peer" = strongswan ]; then
    python3 "$HERE/charonlog.py" tables "$RD/charon-keys.log" "$RD/list-sas.txt" "$W/pcap" \
      "$W/ike.pcap" > "$W/tables.txt" 2>&1 || { bad "charonlog.py tables"; cat "$W/tables.txt"; }
  fi
  if [ "$(exp_get keys "$e")" = compare ]; then
    if python3 "$HERE/charonlog.py" compare "$RD/charon-keys.log" "$RD/list-sas.txt" "$W/keys" \
         "$W/ike.pcap" > "$W/compare.txt" 2>&1; then
      ok "keys equal to charon's key log ($(tail -n1 "$W/compare.txt"))"
    else
      bad "keys differ from charon's key log"; sed 's/^/       /' "$W/compare.txt"
    fi
  fi
  python3 "$HERE/pcapstat.py" "$W/ike.pcap" > "$W/bytes.txt" 2>&1
  while IFS= read -r re; do
    [ -n "$re" ] || continue
    if grep -Eq -- "$re" "$W/bytes.txt"; then ok "capture: /$re/"; else bad "capture lacks /$re/"; fi
  done < <(exp_get pcap "$e")
  if [ -n "$(exp_get tshark "$e")" ]; then
    if command -v tshark > /dev/null 2>&1; then
      WIRESHARK_CONFIG_DIR=$W/pcap tshark -n -V -r "$W/ike.pcap" > "$W/tshark.txt" 2>/dev/null
      while IFS= read -r re; do
        [ -n "$re" ] || continue
        if grep -Eq -- "$re" "$W/tshark.txt"; then ok "tshark: /$re/"; else bad "tshark lacks /$re/"; fi
      done < <(exp_get tshark "$e")
    else
      echo "  skip tshark checks (tshark not installed)"
    fi
  fi
  echo "  bytes $(head -n1 "$W/bytes.txt")   ($(awk "BEGIN{printf \"%.1f\", $t1 - $t0}") s)"

  if [ "$SAVE" = 1 ]; then
    local P=$ROOT/pcaps/interop/$s
    rm -rf "$P"; mkdir -p "$P"
    cp "$W/ike.pcap" "$P/$s.pcap"
    cp "$W/pcap/ikev2_decryption_table" "$W/pcap/esp_sa" "$W/pcap/preferences" "$P/" 2>/dev/null
    [ -d "$W/keys" ] && [ -n "$(ls "$W/keys" 2>/dev/null)" ] && mkdir -p "$P/minike-keys" &&
      cp "$W/keys"/* "$P/minike-keys/" 2>/dev/null
    # raw-key scenarios with our initiator: its test key of this run (seeded, or pki's) and the
    # responder's public key it pinned, which the replay files were made from
    if [ -n "$rpk" ] && [ "$mode" = minike ]; then
      mkdir -p "$P/keys"
      cp "$KEYDIR/i.key" "$KEYDIR/r.pub.der" "$KEYDIR/r.pub.pem" "$P/keys/" 2>/dev/null
    fi
    # minike's initiator: the replay files (<s>.keys, <s>.expect from the scenario's template)
    if [ "$mode" = minike ]; then
      if python3 "$HERE/replayfiles.py" --scenario "$s" --dir "$P" --pcap "$P/$s.pcap" \
           --seed "$SEED" --psk "$(cat "$pskf")" --args "$args" --exit "$rc" \
           ${rpk:+--rpk-dir "$KEYDIR"} > "$W/replayfiles.txt" 2>&1; then
        ok "$(tail -n1 "$W/replayfiles.txt")"
      else
        bad "replay files: $(tail -n1 "$W/replayfiles.txt")"
      fi
    fi
    {
      echo "scenario: $s"
      if [ "$peer" = libreswan ]; then echo "peer: libreswan $(ls "$LIBRESWAN"/debs/libreswan_*.deb | sed 's/.*libreswan_//; s/_amd64.deb//') (pluto, XFRM: no ESP in this kernel)"
      else echo "peer: strongSwan $SWAN_VERSION (charon-systemd, kernel-libipsec)"; fi
      echo "mode: $mode"
      case "$mode" in
        minike) echo "pair: minike initiate → $( [ "$peer" = libreswan ] && echo "libreswan $(ls "$LIBRESWAN"/debs/libreswan_*.deb | sed 's/.*libreswan_//; s/_amd64.deb//')" || echo "strongSwan $SWAN_VERSION")" ;;
        swan) echo "pair: strongSwan $SWAN_VERSION initiator → $( [ "$peer" = libreswan ] && echo "libreswan $(ls "$LIBRESWAN"/debs/libreswan_*.deb | sed 's/.*libreswan_//; s/_amd64.deb//')" || echo "strongSwan $SWAN_VERSION")" ;;
        reverse) echo "pair: strongSwan $SWAN_VERSION initiator → minike respond" ;;
      esac
      echo "exit: $rc"
      [ "$mode" != swan ] && echo "seed: $SEED"
      echo "result: $([ $FAILS = 0 ] && echo pass || echo FAIL)"
      cat "$W/bytes.txt"
      echo "regenerate: sudo interop/run.sh --save $s"
    } > "$P/summary.txt"
  fi
  if [ $FAILS -ne 0 ]; then
    echo "  --- output (last 30 lines)"; tail -n 30 "$out" | sed 's/^/  | /'
    echo "  --- $peer log (last 40 lines)"; tail -n 40 "$PEERLOG" | sed 's/^/  | /'
  fi
  cleanup
  [ $FAILS -eq 0 ]
}

# Sourced with MK_RUNSH_LIB=1 (harness/check/run_swan.sh): the preconditions, namespaces,
# charon helpers and cleanup trap above, without running any scenario.
[ -n "${MK_RUNSH_LIB:-}" ] && return 0
total=0 failed=() skipped=()
for s in "${SCENARIOS[@]}"; do
  run_scenario "$s"; r=$?
  cleanup                                     # idempotent: also after an early failure return
  total=$((total + 1))
  case $r in 0) ;; 77) skipped+=("$s") ;; *) failed+=("$s") ;; esac
done
echo "=== $((total - ${#failed[@]} - ${#skipped[@]}))/$total passed${failed:+, failed: ${failed[*]}}${skipped:+, skipped: ${skipped[*]}}"
[ ${#failed[@]} -eq 0 ] || exit 1
[ ${#skipped[@]} -lt $total ] || exit 77
exit 0
