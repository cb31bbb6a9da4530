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
#   --quick: FLOOD_S=5 HONEST=5 ROUNDS=1 (about a minute; bench/run --quick uses it)
# The last lines are a Markdown table of the phases (bench/run quotes it).
set -u
case "${1:-}" in
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  --quick) FLOOD_S=${FLOOD_S:-5}; HONEST=${HONEST:-5}; ROUNDS=${ROUNDS:-1}; shift ;;
esac
M=${1:-}
if [ -z "$M" ]; then # the first minike a build here left
  for b in build/dev build/bench-run build/ci; do [ -x "$b/minike" ] && { M=$b/minike; break; }; done
fi
FLOOD_S=${FLOOD_S:-20}
HONEST=${HONEST:-20}
ROUNDS=${ROUNDS:-3}
PHASES=${PHASES:-base flood1000 floodmax c8 c64}
want() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
[ -n "$M" ] && [ -x "$M" ] || { echo "minike binary not found: ${M:-build/dev/minike} (build first)"; exit 1; }
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

ROWS=()
phase() { # $1 key, $2 title, the rest: a command whose last line ends in a summary
  echo "== $2"; local r l; r=$("${@:3}"); echo "$r" | sed 's/^ *//; s/^/  /'
  l=${r##*$'\n'}; ROWS+=("| $2 | ${l##*: } |")
}
flood_phase() { flood "$1"; }
conc_phase() { concurrent "$1" | summary; }
seq_phase() { sequential base | summary; }
want base && phase base "baseline: $HONEST handshakes one after another" seq_phase
want flood1000 && phase f1000 "$HONEST handshakes during an IKE_SA_INIT flood at 1000/s (${FLOOD_S} s)" flood_phase 1000
want floodmax && phase fmax "$HONEST handshakes during an IKE_SA_INIT flood at full speed (${FLOOD_S} s)" flood_phase 0
want c8 && phase c8 "8 concurrent initiators, $ROUNDS round(s)" conc_phase 8
want c64 && phase c64 "64 concurrent initiators, $ROUNDS round(s)" conc_phase 64
echo "responder RSS at the end: $(rss)"
alive=yes; kill -0 "$RPID" 2>/dev/null || { alive=no; echo "RESPONDER DIED"; }
echo
echo "| phase | honest handshakes |"
echo "|---|---|"
for r in "${ROWS[@]}"; do echo "$r"; done
echo "| responder alive at the end, RSS | $alive, $(rss 2>/dev/null) |"
[ "$alive" = yes ]
