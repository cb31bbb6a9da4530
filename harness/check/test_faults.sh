#!/bin/bash
# test_faults.sh: the proof that each case of `minike check` can fail. Every line of faults.txt
# runs its cases against an initiator made faulty on purpose (minike behind mk_fault_shim, or
# the Perl initiator with --fault) and requires the verdict given there, read from the JSON
# report. Usage: test_faults.sh MINIKE SHIM [CASE-FILTER-REGEX]
set -u
MINIKE=$1 SHIM=$2 FILTER=${3:-.}
HERE=$(cd "$(dirname "$0")" && pwd)
PERL_INI=$HERE/../../interop/perl/minike-init.pl
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
perl -MCrypt::PK::X25519 -e1 2>/dev/null || { echo "SKIP: perl CryptX missing"; exit 77; }
WORK=$(mktemp -d /tmp/mk-faults.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
PORT=$((20000 + $$ % 20000))
SPORT=$((PORT + 1))
fails=0 lines=0
while read -r cases ini fault want; do
    case "$cases" in ''|\#*) continue ;; esac
    [[ "$cases" =~ $FILTER ]] || continue
    lines=$((lines + 1))
    auth=psk
    if [ "$ini" = perl-rpk ]; then    # raw keys: the checker makes the keys, --auth rpk
        auth=rpk
        f=""; [ "$fault" = - ] || f="--fault $fault"
        cmd="perl $PERL_INI --peer {addr} --port {port} --key {keyfile} --peer-key {peerpub} --id {idi} --peer-id {idr} --tsi 10.99.20.0/24 --tsr 10.99.10.0/24 --ping 10.99.10.1 --timeout 0.5 --retries 5 $f"
    elif [ "$ini" = minike ]; then
        cmd="$MINIKE initiate --peer 127.0.0.1:$SPORT --psk-file {pskfile} --id {idi} --remote-id {idr} --timeout 5 --ping 10.99.10.1 --ike aes128gcm16-prfsha256-x25519,aes128gcm16-prfsha256-ecp256"
        [ "$fault" = - ] || cmd="$SHIM --fault $fault --port $SPORT --to {addr}:{port} -- $cmd"
        [ "$fault" = - ] && cmd=${cmd//127.0.0.1:$SPORT/{addr\}:{port\}}
    else
        f=""; [ "$fault" = - ] || f="--fault $fault"
        [ "$fault" = init-only ] && f="--init-only"
        cmd="perl $PERL_INI --peer {addr} --port {port} --psk-file {pskfile} --id {idi} --peer-id {idr} --tsi 10.99.20.0/24 --tsr 10.99.10.0/24 --ping 10.99.10.1 --timeout 0.5 --retries 5 --ike gcm256,chacha $f"
    fi
    "$MINIKE" check --listen 127.0.0.1:$PORT --auth $auth --cases "$cases" --initiator-cmd "$cmd" \
        --json "$WORK/r.json" >"$WORK/out" 2>&1
    if ! python3 - "$WORK/r.json" "$want" "$ini/$fault" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
# a faulty initiator that never reached the checker proves nothing
bad = [c for c in r["cases"] if c["verdict"] != sys.argv[2] or c["rx"] == 0]
for c in bad:
    print("  C%03d %s against %s: %s, want %s (%s; %d datagrams from it)" % (c["id"],
          c["title"], sys.argv[3], c["verdict"], sys.argv[2], c["reason"], c["rx"]))
sys.exit(1 if bad or not r["cases"] else 0)
PY
    then
        fails=$((fails + 1))
        echo "FAIL: cases $cases against $ini --fault $fault"
    else
        echo "ok: cases $cases against $ini --fault $fault: all $want"
    fi
done <"$HERE/faults.txt"
echo "$lines fault lines, $fails failed"
[ "$lines" -gt 0 ] && [ "$fails" -eq 0 ]
