#!/usr/bin/env bash
# label: unit
# `minike initiate --initial-contact on|off` against `minike respond` on 127.0.0.1: on (the
# default) sends N(INITIAL_CONTACT) in IKE_AUTH, off leaves it out (8 octets less), anything
# else is a usage error (exit 2) that names the option.
source "$(dirname "$0")/lib.sh" "$@"
M=$MINIKE
PSK=$T/psk
I=(initiate --psk-file "$PSK" --id @dev.test --timeout 5)

start_resp --psk-file "$PSK" --id @door.test
P=$RESP_PORT
expect_rc "default: INITIAL_CONTACT on" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P
on=$(grep -- '-> IKE_AUTH' "$T/out" || true)
grep -q -- '-> IKE_AUTH.*N(INITIAL_CONTACT)' "$T/out" && pass "  IKE_AUTH carries N(INITIAL_CONTACT)" \
  || fail "  no N(INITIAL_CONTACT) by default" "$T/out"
expect_rc "--initial-contact off" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P --initial-contact off
off=$(grep -- '-> IKE_AUTH' "$T/out" || true)
if grep -q -- '-> IKE_AUTH' "$T/out" && ! grep -q 'INITIAL_CONTACT' "$T/out"; then
  pass "  IKE_AUTH without N(INITIAL_CONTACT)"
else
  fail "  N(INITIAL_CONTACT) sent with --initial-contact off" "$T/out"
fi
n_on=$(sed -n 's/.* \([0-9][0-9]*\) B .*/\1/p' <<<"$on" | head -1)
n_off=$(sed -n 's/.* \([0-9][0-9]*\) B .*/\1/p' <<<"$off" | head -1)
[ -n "$n_on" ] && [ "$((n_on - n_off))" = 8 ] && pass "  8 octets less ($n_on -> $n_off B)" \
  || fail "  IKE_AUTH sizes on/off: '$n_on' '$n_off'" "$T/out"
expect_rc "--initial-contact on" 0 "$M" "${I[@]}" --peer 127.0.0.1:$P --initial-contact on
grep -q -- '-> IKE_AUTH.*N(INITIAL_CONTACT)' "$T/out" && pass "  IKE_AUTH carries N(INITIAL_CONTACT)" \
  || fail "  no N(INITIAL_CONTACT) with on" "$T/out"
stop_resp
expect_rc "--initial-contact maybe: usage error" 2 "$M" "${I[@]}" --peer 127.0.0.1:9 \
  --initial-contact maybe
grep -q -- '--initial-contact: expects on or off' "$T/err" && pass "  the line names the option" \
  || fail "  usage line" "$T/err"
finish
