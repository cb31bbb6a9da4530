#!/usr/bin/env bash
# demo.sh MINIKE [--travel SEC] [--quiet-timeout SEC] [--pcap FILE] [--keys DIR] [--seed N]
#         [--icount] [--core tiny]
# `minike demo --device`: the garage-door demo with the emulated Cortex-M4 firmware (QEMU
# mps2-an386) as the device and `minike respond` on 127.0.0.1 as the door. Both timelines print
# as they happen ("resp" lines: the door; "device" lines: the firmware, on its own clock).
# --core tiny: the template-core image (no NAT-T), so the door listens on UDP 500 in a network
# namespace of its own (root) and the bridge carries its ESP (README.md).
# exit: the firmware's (0: both presses done), 2 usage, 77 cannot run here (no QEMU/compiler).
set -uo pipefail
MINIKE=${1:?usage: demo.sh MINIKE [options]}; shift
HERE=$(cd "$(dirname "$0")" && pwd)
travel=3 quiet=2 extra=() seed= core=general
while [ $# -gt 0 ]; do
  case "$1" in
    --device) ;;
    --travel) travel=$2; shift ;;
    --quiet-timeout) quiet=$2; shift ;;
    --pcap|--keys) extra+=("$1" "$2"); shift ;;
    --seed) seed=$2; extra+=(--seed "$2"); shift ;;
    --icount) extra+=(--icount) ;;
    --core) core=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "minike: demo --device: option $1 is not available with the emulated device" \
            "(supported: --travel --quiet-timeout --pcap --keys --seed --icount --core)" >&2; exit 2 ;;
  esac
  shift
done
command -v qemu-system-arm >/dev/null ||
  { echo "minike: demo --device: qemu-system-arm is missing (run scripts/deps.sh)" >&2; exit 77; }
case "$core" in
  general) ;;
  tiny) [ "$(id -u)" = 0 ] && command -v ip >/dev/null ||
          { echo "minike: demo --device --core tiny: needs root and iproute2 (a network namespace where the door has UDP 500)" >&2; exit 77; } ;;
  *) echo "minike: demo --device: --core $core: general or tiny" >&2; exit 2 ;;
esac
FW=$("$HERE/build.sh" --core "$core" "$(cd "$(dirname "$MINIKE")" && pwd)/device" | tail -n1)  # beside the minike build
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] || { echo "minike: demo --device: cannot build the firmware: $FW" >&2; exit "$rc"; }
T=$(mktemp -d "${TMPDIR:-/tmp}/mk-demo-device.XXXXXX")
RESP_PID= NS= NSX=()
cleanup() {
  [ -n "$RESP_PID" ] && kill "$RESP_PID" 2>/dev/null && wait "$RESP_PID" 2>/dev/null
  [ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
if [ -n "$seed" ]; then  # reproducible PSK too, as `minike demo --seed`
  printf 'minike-device-demo-psk-%s' "$seed" > "$T/psk"
else
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/0x/' > "$T/psk"
fi
LISTEN=127.0.0.1:0
if [ "$core" = tiny ]; then
  NS=mkdevd$$
  ip netns add "$NS" && ip netns exec "$NS" ip link set lo up ||
    { echo "minike: demo --device --core tiny: cannot create network namespace $NS" >&2; exit 77; }
  NSX=(ip netns exec "$NS") LISTEN=127.0.0.1:500 extra+=(--raw-esp)
fi
"${NSX[@]}" "$MINIKE" respond --listen $LISTEN --psk-file "$T/psk" --id fqdn:door.garage.example \
  --remote-id fqdn:opener.garage.example --travel "$travel" > >(tee "$T/resp.log") 2>&1 &
RESP_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$T/resp.log" 2>/dev/null && break; sleep 0.05; done
PORTS=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE) and 127\.0\.0\.1:\([0-9]*\) (NAT-T).*/\1 \2/p' "$T/resp.log")
[ -n "$PORTS" ] || { echo "minike: demo --device: the door (minike respond) did not start" >&2; exit 1; }
set -- $PORTS
"${NSX[@]}" python3 "$HERE/bridge.py" --fw "$FW" --peer "127.0.0.1:$1" --natt-port "$2" --psk-file "$T/psk" \
  --id fqdn:opener.garage.example --remote-id fqdn:door.garage.example --cmds OPEN,CLOSE \
  --quiet-ms $((quiet * 1000)) --wait-ms $(( (travel + 10) * 1000 )) --timeout $(( 2 * travel + 2 * quiet + 60 )) \
  "${extra[@]}" 2> >(grep -v 'QEMU waiting for connection' >&2)
exit $?
