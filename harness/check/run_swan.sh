#!/bin/bash
# run_swan.sh: `minike check` against strongSwan's charon as the INITIATOR (as root). It reuses
# interop/run.sh's setup by sourcing it (MK_RUNSH_LIB=1: preconditions, the two namespaces,
# write_swan/start_charon/start_capture, the cleanup trap that stops them by PID and name).
# The checker runs in the responder namespace on R_ADDR:500 and :4500 (port-500 semantics:
# kernel-libipsec makes charon fake a NAT and move to 4500 with the non-ESP marker); charon
# runs in the initiator namespace. Every case runs `swanctl --initiate` after terminating what
# the previous case left (--force: nothing on the wire).
#
# With SWAN_AUTH=rpk both sides use raw public keys (swanctl `auth = pubkey`, `pubkeys = FILE`):
# an Ed25519 key for charon and an RSA key for the checker, made by `minike keygen`, passed to
# the checker with --auth rpk --key --initiator-pub; the reports are then strongswan-rpk.*.
#
#   sudo [SWAN_AUTH=rpk] harness/check/run_swan.sh MINIKE [OUTDIR] [check options, e.g. --cases 1-20]
# exit: minike check's (0 no FAIL, 1 a FAIL, 2 setup), 77 if this machine cannot run it.
HERE_CHECK=$(cd "$(dirname "$0")" && pwd)
CHECK_MINIKE=$(realpath "$1")
shift
OUTDIR=${1:-}
[ $# -gt 0 ] && shift
CHECK_ARGS=("$@")
set --
MK_RUNSH_LIB=1 source "$HERE_CHECK/../../interop/run.sh" || exit $?
make_netns || { echo "namespaces failed"; exit 2; }
D=$WORK/swan-check/I
mkdir -p "$D"
write_swan "$D"
PSKT="minike-check-psk-0123456789abcdef"
printf '%s' "$PSKT" >"$WORK/swan-check/psk"
AUTH=psk LA="auth = psk" RA="auth = psk" RPK_ARGS=() NAME=strongswan
if [ "${SWAN_AUTH:-psk}" = rpk ]; then
  K=$WORK/swan-check
  "$CHECK_MINIKE" keygen --type ed25519 --out "$K/i" >/dev/null &&
    "$CHECK_MINIKE" keygen --type rsa --out "$K/r" >/dev/null || { echo "keygen failed"; exit 2; }
  cp "$K/i.key" "$D/swanctl/private/"
  AUTH=rpk LA="auth = pubkey
      pubkeys = $K/i.pub.pem" RA="auth = pubkey
      pubkeys = $K/r.pub.pem"
  RPK_ARGS=(--auth rpk --key "$K/r.key" --initiator-pub "$K/i.pub.pem")
  NAME=strongswan-rpk
fi
{
  echo "connections {"
  echo "  check {"
  echo "    version = 2"
  echo "    mobike = no"
  echo "    local_addrs = $I_ADDR"
  echo "    remote_addrs = $R_ADDR"
  echo "    proposals = aes128gcm16-prfsha256-x25519,aes128gcm16-prfsha256-ecp256"
  echo "    local { $LA"
  echo "      id = initiator.check }"
  echo "    remote { $RA"
  echo "      id = responder.check }"
  echo "    children { net { local_ts = $I_NET"
  echo "      remote_ts = $R_NET"
  echo "      esp_proposals = aes128gcm16 } }"
  echo "  }"
  echo "}"
  echo "secrets { ike-check { id-r = responder.check"
  echo "  id-i = initiator.check"
  echo "  secret = \"$PSKT\" } }"
} >"$D/swanctl/swanctl.conf"
start_charon "$NSI" "$D" || { echo "charon did not start"; tail -20 "$D/charon.log"; exit 2; }
# one case: forget the previous case's IKE SA (no Delete on the wire), then initiate
{
  echo "#!/bin/bash"
  echo "export STRONGSWAN_CONF=$D/strongswan.conf SWANCTL_DIR=$D/swanctl"
  echo "swanctl --terminate --ike check --force --timeout 1 >/dev/null 2>&1"
  echo "exec swanctl --initiate --child net --timeout 30"
} >"$WORK/swan-check/initiate.sh"
chmod +x "$WORK/swan-check/initiate.sh"
OUTDIR=${OUTDIR:-$WORK/swan-check}
mkdir -p "$OUTDIR"
start_capture "$NSR" vR "$OUTDIR/$NAME.pcap" >/dev/null 2>&1 || true
ip netns exec "$NSR" "$CHECK_MINIKE" check --listen "$R_ADDR:500" \
  --psk-file "$WORK/swan-check/psk" --idi fqdn:initiator.check --idr fqdn:responder.check \
  --name "strongSwan $SWAN_VERSION" --initiator-cmd "$WORK/swan-check/initiate.sh" \
  "${RPK_ARGS[@]}" --json "$OUTDIR/$NAME.json" --junit "$OUTDIR/$NAME.xml" "${CHECK_ARGS[@]}" |
  tee "$OUTDIR/$NAME.txt"
rc=${PIPESTATUS[0]}
cp "$D/charon.log" "$OUTDIR/${NAME/strongswan/charon}.log" 2>/dev/null
exit "$rc"
