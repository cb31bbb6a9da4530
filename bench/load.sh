#!/usr/bin/env bash
# bench/load.sh: how `minike respond` holds up under load, on loopback (issue 14, finding 5).
# Measures the honest-handshake success rate (minike initiate: IKE_SA_INIT + IKE_AUTH + child
# SA, exit 0) while bench/load_flood.py sends unauthenticated IKE_SA_INITs at 1,000/s and as
# fast as it can, and with 8 and 64 initiators started at the same moment. Bounded: each flood
# lasts FLOOD_S seconds (default 20) and at most 2,000,000 datagrams; each initiator gives up
# after its --timeout (30 s, the default budget). Everything stays on 127.0.0.1; every process
# started here is stopped by PID. Figures go to bench/README.md by hand (measured, not asserted).
#   usage: bash bench/load.sh [PATH/TO/minike]      (default build/dev/minike)
#   knobs: FLOOD_S (20), HONEST (20 per phase), ROUNDS (3), PHASES ("base flood1000 floodmax c8 c64")
set -u
M=${1:-build/dev/minike}
FLOOD_S=${FLOOD_S:-20}
HONEST=${HONEST:-20}
ROUNDS=${ROUNDS:-3}
PHASES=${PHASES:-base flood1000 floodmax c8 c64}
want() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
[ -x "$M" ] || { echo "minike binary not found: $M (build first)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/minike-load.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
printf 'load-test-psk-0123456789abcdef' >"$T/psk"
HERE=$(cd "$(dirname "$0")" && pwd)

"$M" respond --listen 127.0.0.1:0 --psk-file "$T/psk" --id @door.load --echo -q >"$T/resp.log" 2>&1 &
RPID=$!; PIDS+=("$RPID")
for _ in $(seq 100); do grep -q 'listening on' "$T/resp.log" && break; sleep 0.05; done
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE).*/\1/p' "$T/resp.log")
[ -n "$PORT" ] || { echo "responder did not start"; cat "$T/resp.log"; exit 1; }
rss() { awk '/VmRSS/ {print $2 " kB"}' /proc/$RPID/status; }
echo "responder pid $RPID on 127.0.0.1:$PORT, RSS $(rss)"

# one honest handshake: prints "rc ms"
honest() {
  local t0 t1 rc
  t0=$(date +%s%N)
  "$M" initiate --peer 127.0.0.1:$PORT --psk-file "$T/psk" --id "@dev$1.load" >"$T/h.$1.out" 2>"$T/h.$1.err"
  rc=$?
  t1=$(date +%s%N)
  echo "$rc $(( (t1 - t0) / 1000000 ))"
}

# summary of "rc ms" lines on stdin: ok/total, median and max ms of the successes
summary() {
  sort -k2 -n | awk '{n++; if ($1 == 0) {ok++; ms[ok] = $2}; if ($1 != 0) rcs[$1]++}
    END {med = ok ? ms[int((ok + 1) / 2)] : 0; mx = ok ? ms[ok] : 0;
         s = ""; for (r in rcs) s = s " exit" r "=" rcs[r];
         printf "%d/%d completed (%.1f %%), median %d ms, max %d ms%s\n", ok, n, n ? 100 * ok / n : 0, med, mx, s}'
}

sequential() { # honest handshakes one after another while a flood runs
  local i=0
  while [ $i -lt "$HONEST" ]; do i=$((i + 1)); honest "s$1$i"; done
}

concurrent() { # $1 initiators at the same moment, $ROUNDS rounds
  local r i
  for r in $(seq "$ROUNDS"); do
    for i in $(seq "$1"); do honest "c$1r$r-$i" >"$T/c.$r.$i" & done
    wait $(jobs -p | grep -v "^$RPID$") 2>/dev/null
    cat "$T"/c.$r.*; rm -f "$T"/c.$r.*
  done
}

flood() { # $1 rate (0: full speed): flood in the background, honest handshakes meanwhile
  python3 "$HERE/load_flood.py" 127.0.0.1 "$PORT" "$1" "$FLOOD_S" 2000000 >"$T/flood.out" 2>&1 &
  local fp=$!
  sleep 1 # the flood is going before the first honest initiator starts
  sequential "f$1" >"$T/flood.res"
  wait $fp
  echo "  flood: $(cat "$T/flood.out")"
  echo "  honest handshakes during the flood: $(summary <"$T/flood.res")"
}

if want base; then echo "== baseline: $HONEST handshakes one after another"; sequential base | summary; fi
if want flood1000; then echo "== IKE_SA_INIT flood at 1000/s for ${FLOOD_S} s"; flood 1000; fi
if want floodmax; then echo "== IKE_SA_INIT flood at full speed for ${FLOOD_S} s"; flood 0; fi
if want c8; then echo "== 8 concurrent initiators, $ROUNDS rounds"; concurrent 8 | summary; fi
if want c64; then echo "== 64 concurrent initiators, $ROUNDS rounds"; concurrent 64 | summary; fi
echo "responder RSS at the end: $(rss)"
kill -0 "$RPID" 2>/dev/null && echo "responder still running" || echo "RESPONDER DIED"
