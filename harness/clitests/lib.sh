# Shared helpers for harness/clitests/test_*.sh (sourced, not run).
# Usage in a test: source "$(dirname "$0")/lib.sh" "$@"
# Everything runs on 127.0.0.1 with ephemeral ports; every process started is stopped by PID
# and the temporary directory removed on exit.
set -u
MINIKE=${1:?usage: test_x.sh PATH/TO/minike}
[ -x "$MINIKE" ] || { echo "minike binary not found: $MINIKE"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/minike-clitest.XXXXXX")
PIDS=()
N_OK=0
N_FAIL=0

cleanup() {
  local p
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap cleanup EXIT

pass() { N_OK=$((N_OK + 1)); echo "ok   - $1"; }
fail() { N_FAIL=$((N_FAIL + 1)); echo "FAIL - $1"; [ -n "${2:-}" ] && sed 's/^/       | /' "$2" | head -40; }

# expect_rc NAME WANT CMD...: run CMD (stdout+stderr to files), check the exit code; when
# WANT is not 0 also check stderr is exactly one line "minike: <what>: <why> (...)".
expect_rc() {
  local name=$1 want=$2; shift 2
  timeout 60 "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" != "$want" ]; then
    echo "exit $rc, wanted $want; stderr:" >>"$T/err"
    fail "$name (exit $rc, wanted $want)" "$T/err"
    return 1
  fi
  if [ "$want" != 0 ]; then
    if [ "$(wc -l <"$T/err")" != 1 ] || ! grep -qE '^minike: [^:]+.*: .+' "$T/err"; then
      fail "$name (stderr is not one 'minike: what: why (todo)' line)" "$T/err"
      return 1
    fi
  fi
  pass "$name"
  return 0
}

# start_resp ARGS...: start `minike respond --listen 127.0.0.1:0 ARGS`, wait until it
# listens; sets RESP_PID, RESP_PORT, RESP_LOG.
RESP_N=0
start_resp() {
  RESP_N=$((RESP_N + 1))
  RESP_LOG="$T/resp.$RESP_N.log"
  "$MINIKE" respond --listen 127.0.0.1:0 "$@" >"$RESP_LOG" 2>&1 &
  RESP_PID=$!
  PIDS+=("$RESP_PID")
  local i
  for i in $(seq 100); do
    grep -q 'listening on' "$RESP_LOG" 2>/dev/null && break
    kill -0 "$RESP_PID" 2>/dev/null || break
    sleep 0.05
  done
  RESP_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) (IKE).*/\1/p' "$RESP_LOG")
  if [ -z "$RESP_PORT" ]; then
    echo "responder did not start:"; cat "$RESP_LOG"; exit 1
  fi
}

# stop_resp: SIGTERM the responder and check it exits 0.
stop_resp() {
  kill -TERM "$RESP_PID" 2>/dev/null
  local rc=0
  wait "$RESP_PID" 2>/dev/null || rc=$?
  [ "$rc" = 0 ] && pass "responder stops cleanly on SIGTERM" || fail "responder exit $rc on SIGTERM" "$RESP_LOG"
}

# needs_delete: the test ends its SAs with --delete (our own Delete, RFC 7815 B.1); a build
# with -DMK_DELETE=OFF refuses that option, so the test is skipped there (exit 77).
needs_delete() {
  if "$MINIKE" initiate --delete 2>&1 | grep -q 'MK_DELETE'; then
    echo "SKIP: this minike is built without MK_DELETE (the test uses --delete)"; exit 77
  fi
}

finish() {
  echo "# $N_OK passed, $N_FAIL failed"
  [ "$N_FAIL" = 0 ]
  exit $?
}

# A PSK file for both sides.
"$MINIKE" keygen psk >"$T/psk" || { echo "keygen failed"; exit 1; }
