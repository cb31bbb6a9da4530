# shellcheck shell=bash
# door_test_lib.sh: what test_door.sh (the general-core image) and test_door_tiny.sh (the
# template-core image) share; sourced, not run. Both drive the same remote (fw/door.c) against
# `minike respond` through bridge.py, so the run, its checks and the --seed comparison are one
# piece here; each script keeps what is its image's own.
# The caller sets MINIKE, OUT, HERE; for a network namespace of its own also NS, NSX=(ip netns
# exec "$NS"), LISTEN=127.0.0.1:500 and BRIDGE_X=(--raw-esp) (default: loopback, ephemeral ports).
NSX=() BRIDGE_X=() LISTEN=127.0.0.1:0 NS= RESP_PID= T= N_FAIL=0
ok() { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; N_FAIL=$((N_FAIL + 1)); }
check() { if grep -Eq -- "$2" "$3"; then ok "$1"; else bad "$1: no /$2/ in $(basename "$3")"; fi; }
door_test_done() { echo "# $N_FAIL failed"; [ "$N_FAIL" = 0 ]; }

# door_test_start NAME [build.sh options]: QEMU present, the image built (FW; build.sh's exit
# code, 77 included, ends the test), a temporary directory T removed at exit (KEEP=1 keeps it)
door_test_start() {
  local name=$1 log rc
  shift
  command -v qemu-system-arm >/dev/null ||
    { echo "SKIP: qemu-system-arm missing (scripts/deps.sh installs it)"; exit 77; }
  log=$("$HERE/build.sh" "$@" "$OUT")
  rc=$?
  FW=$(tail -n1 <<<"$log")
  [ "$rc" = 0 ] || { echo "$log"; exit "$rc"; }
  T=$(mktemp -d "${TMPDIR:-/tmp}/$name.XXXXXX")
  trap door_test_cleanup EXIT
}
door_test_cleanup() {
  [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
  [ -n "${KEEP:-}" ] || rm -rf "$T"
}

new_psk() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' > "$1"; }

# start_responder LOG [options]: `minike respond` as the door (in NS if set); RESP_PID, and
# IKE_PORT / NATT_PORT from its "listening on" line
start_responder() {
  local log=$1
  shift
  # not through a subshell: $! must be minike itself (ip netns exec execs it)
  "${NSX[@]}" "$MINIKE" respond --listen "$LISTEN" --id fqdn:door.garage.example "$@" > "$log" 2>&1 &
  RESP_PID=$!
  for _ in $(seq 100); do grep -qs 'listening on' "$log" && break; sleep 0.05; done
  set -- $(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$log")
  [ $# = 2 ] || { cat "$log"; echo "FAIL - responder did not start"; exit 1; }
  IKE_PORT=$1 NATT_PORT=$2
}
stop_responder() { kill -TERM "$RESP_PID"; wait "$RESP_PID"; RESP_PID=; }

# bridge SECONDS LOG [bridge.py options]: the firmware in QEMU through bridge.py against the
# responder, as opener.garage.example with $T/psk; returns bridge.py's exit code
bridge() {
  local secs=$1 log=$2
  shift 2
  timeout -k 5 "$secs" "${NSX[@]}" python3 "$HERE/bridge.py" --fw "$FW" --peer "127.0.0.1:$IKE_PORT" \
    --natt-port "$NATT_PORT" "${BRIDGE_X[@]}" --psk-file "$T/psk" --id fqdn:opener.garage.example \
    --remote-id fqdn:door.garage.example "$@" > "$log" 2>&1
}

# door_run [bridge.py options]: with the responder up (its log $T/resp.log), both presses
# (OPEN, CLOSE) into $T/dev.log and $T/dev.pcap, then what every image must show: exit 0, each
# command in ESP, the door's ACK and DONE, no heap, two fresh IKE SAs, and (the responder
# stopped, so it has written its --keys tables) the door opened and closed
door_run() {
  bridge 120 "$T/dev.log" --cmds OPEN,CLOSE --quiet-ms 200 --pcap "$T/dev.pcap" --timeout 90 "$@"
  local rc=$? n
  sed 's/^/  | /' "$T/dev.log"
  [ "$rc" = 0 ] && ok "firmware exit 0 after both presses" || bad "firmware/bridge exit $rc"
  check "press 1: OPEN in ESP" '-> ESP .* "OPEN"' "$T/dev.log"
  check "press 1: the door's ACK" 'door says: ACK OPEN' "$T/dev.log"
  check "press 1: DONE" 'door says: DONE open' "$T/dev.log"
  check "press 2: CLOSE in ESP" '-> ESP .* "CLOSE"' "$T/dev.log"
  check "press 2: the door's ACK" 'door says: ACK CLOSE' "$T/dev.log"
  check "press 2: DONE" 'door says: DONE closed' "$T/dev.log"
  check "no heap: _sbrk never called" 'sbrk_calls=0 ' "$T/dev.log"
  check "both presses counted ok by the firmware" 'presses_ok=2$' "$T/dev.log"
  n=$(grep -c 'IKE_AUTH response' "$T/dev.log")
  [ "$n" = 2 ] && ok "two fresh IKE SAs (IKE_AUTH twice)" || bad "IKE_AUTH responses: $n, wanted 2"
  stop_responder
  check "responder: door opened" 'door is open' "$T/resp.log"
  check "responder: door closed" 'door is closed' "$T/resp.log"
}

# seed_check (tshark): same seed, same octets. The firmware's DRBG, its cross-built X25519 and
# its core on the Cortex-M4 must put exactly the SPIi, KEi and Ni into IKE_SA_INIT that
# `minike initiate --seed 4242` (x86-64, Debian's libsodium) does: an independent check.
seed_check() {
  local h d
  start_responder "$T/resp2.log" --psk-file "$T/psk"
  timeout 30 "${NSX[@]}" "$MINIKE" initiate --peer "127.0.0.1:$IKE_PORT" --psk-file "$T/psk" \
    --id fqdn:opener.garage.example --remote-id fqdn:door.garage.example \
    --ike chacha20poly1305-prfsha256-x25519 --esp chacha20poly1305 --seed 4242 \
    --pcap "$T/host.pcap" --timeout 10 > "$T/host.log" 2>&1 || { bad "host initiator with --seed"; cat "$T/host.log"; }
  bridge 60 "$T/dev2.log" --cmds OPEN --seed 4242 --pcap "$T/dev2.pcap" --timeout 40 ||
    { bad "firmware with --seed"; cat "$T/dev2.log"; }
  f1() { tshark -r "$1" -Y 'isakmp.exchangetype == 34 && isakmp.rspi == 00:00:00:00:00:00:00:00' -T fields \
         -e isakmp.ispi -e isakmp.key_exchange.data -e isakmp.nonce 2>/dev/null | head -n1; }
  h=$(f1 "$T/host.pcap"); d=$(f1 "$T/dev2.pcap")
  if [ -n "$h" ] && [ "$h" = "$d" ]; then ok "--seed 4242: SPIi, KEi (X25519 public) and Ni equal to minike initiate's"
  else bad "--seed 4242: device and host IKE_SA_INIT differ: host '$h' device '$d'"; fi
}
