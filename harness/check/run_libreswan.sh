#!/bin/bash
# run_libreswan.sh: `minike check` against libreswan's pluto as the INITIATOR (as root). Like
# run_swan.sh it sources interop/run.sh (MK_RUNSH_LIB=1) for the namespaces, start_pluto (which
# runs pluto from interop/libreswan/fetch.sh's private tree), the capture and the cleanup trap.
# pluto runs in run.sh's "responder" namespace (R_ADDR, where start_pluto expects it) and
# initiates to the checker on I_ADDR:500/4500. This kernel has no ESP, so pluto's child SA
# install fails after IKE_AUTH (it then drops the IKE SA and starts over), so the checker refuses
# every child SA with TS_UNACCEPTABLE (--refuse-child) and pluto keeps the IKE SA: the IKE-level
# cases apply; the child cases still send their scripted child answers.
#
#   sudo harness/check/run_libreswan.sh MINIKE [OUTDIR] [check options]
HERE_CHECK=$(cd "$(dirname "$0")" && pwd)
CHECK_MINIKE=$(realpath "$1")
shift
OUTDIR=${1:-}
[ $# -gt 0 ] && shift
CHECK_ARGS=("$@")
set --
MK_RUNSH_LIB=1 source "$HERE_CHECK/../../interop/run.sh" || exit $?
# sourced, run.sh computed its paths from this script's place: use the repository's
REPO=$(cd "$HERE_CHECK/../.." && pwd)
LIBRESWAN=${MK_LIBRESWAN:-$REPO/build/libreswan}
"$REPO/interop/libreswan/fetch.sh" "$LIBRESWAN" >/dev/null 2>&1 || { echo "SKIP: libreswan unavailable"; exit 77; }
make_netns || { echo "namespaces failed"; exit 2; }
D=$WORK/lsw-check/P
mkdir -p "$D"
printf '%s' "minike-check-psk-0123456789abcdef" >"$WORK/lsw-check/psk"
start_pluto "$NSR" "$D" "$HERE_CHECK/libreswan" || { echo "pluto did not start"; exit 2; }
LIB=$LIBRESWAN/root/usr/lib/x86_64-linux-gnu
WHACK="env LD_LIBRARY_PATH=$LIB $LIBRESWAN/root/usr/libexec/ipsec/whack --ctlsocket $D/run/pluto.ctl"
{
  echo "#!/bin/bash"
  echo "$WHACK --name check --terminate >/dev/null 2>&1"
  echo "exec $WHACK --name check --initiate"
} >"$WORK/lsw-check/initiate.sh"
chmod +x "$WORK/lsw-check/initiate.sh"
OUTDIR=${OUTDIR:-$WORK/lsw-check}
mkdir -p "$OUTDIR"
start_capture "$NSI" vI "$OUTDIR/libreswan.pcap" >/dev/null 2>&1 || true
VER=$(ls "$LIBRESWAN"/debs/libreswan_*.deb 2>/dev/null | sed 's/.*libreswan_//; s/_amd64.deb//')
ip netns exec "$NSI" "$CHECK_MINIKE" check --listen "$I_ADDR:500" \
  --psk-file "$WORK/lsw-check/psk" --idi fqdn:initiator.check --idr fqdn:responder.check \
  --name "libreswan $VER" --initiator-cmd "$WORK/lsw-check/initiate.sh" \
  --json "$OUTDIR/libreswan.json" --junit "$OUTDIR/libreswan.xml" --refuse-child "${CHECK_ARGS[@]}" |
  tee "$OUTDIR/libreswan.txt"
rc=${PIPESTATUS[0]}
cp "$D/pluto.log" "$OUTDIR/pluto.log" 2>/dev/null
exit "$rc"
