#!/bin/bash
# SPDX-License-Identifier: MIT
#
# strongswan-test.sh: the Perl initiator (minike-init.pl) against a real strongSwan responder.
# Modelled on the strongSwan lab (reference/strongswan-lab/ike-lab.sh), but self-contained and
# safe to run next to other tests: namespace, veth and work-dir names include this shell's PID,
# everything started here is stopped by its PID on exit, and only addresses inside the two
# namespaces created here are used.
#
#   ns $NSI (initiator)                    ns $NSR (responder)
#   minike-init.pl  10.99.0.1 --veth-- 10.99.0.2  charon-systemd, kernel-libipsec, UDP 500/4500
#   inner TSi 10.99.20.0/24                       inner TSr 10.99.10.0/24, 10.99.10.1 on lo
#
# The responder runs kernel-libipsec (the kernel here has no ESP), which needs UDP encapsulation:
# the initiator sends NAT-D notifies, moves to UDP 4500 with the non-ESP marker, and ESP flows in
# UDP 4500. Each scenario: handshake, an ICMP echo through ESP, keys compared with charon's
# level-4 key log (SKEYSEED, SK_d/ei/er/pi/pr, g^ir, child keys). The PSK scenarios are followed
# by raw public keys (swanctl auth = pubkey, pubkeys = FILE on both sides; keys from `pki`): RSA
# with RFC 7427 signatures (AUTH method 14) and with method 1, Ed25519 (method 14), a key sent as
# CERT encoding 15, asymmetric RSA/PSK, and wrong keys that must fail.
# Exit: 0 all passed, 1 a failure, 77 skipped (not root, no strongSwan, no CryptX).
# Env: KEEP=1 keeps the work dir (logs, configs, outputs, capture).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PL="$HERE/minike-init.pl"
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for c in charon-systemd swanctl pki openssl ip perl; do command -v $c >/dev/null || skip "$c not installed"; done
perl -MCrypt::PK::X25519 -MCrypt::PK::Ed25519 -e1 2>/dev/null || skip "libcryptx-perl not installed"

NSI=mkpl$$i NSR=mkpl$$r VI=mkpi$$ VR=mkpr$$
WORK=$(mktemp -d -t mkperl.XXXXXX)
CHARON_PID=
cleanup() {
  [ -n "$CHARON_PID" ] && kill -TERM "$CHARON_PID" 2>/dev/null && wait "$CHARON_PID" 2>/dev/null
  ip netns del $NSI 2>/dev/null; ip netns del $NSR 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "work dir kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

PSK=perl-lab-psk-0123456789
D=$WORK/resp
mkdir -p $D/swanctl/{x509,x509ca,x509ocsp,x509aa,x509ac,x509crl,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
cat > $D/strongswan.conf <<EOF
charon-systemd {
  journal {
    default = -1
  }
}
charon {
  load_modular = no
  load = random nonce aes sha1 sha2 hmac gcm chapoly curve25519 openssl kdf drbg pem pkcs1 pkcs8 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  # COOKIE test: challenge every IKE_SA_INIT while one half-open IKE SA exists
  cookie_threshold = 1
  filelog {
    main {
      path = $D/charon.log
      time_format = %H:%M:%S
      default = 1
      ike = 2
      cfg = 2
      chd = 2
      knl = 2
      net = 2
      flush_line = yes
    }
    keys {
      path = $D/charon-keys.log
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
      socket = unix://$D/charon.vici
    }
  }
}
swanctl {
  socket = unix://$D/charon.vici
}
EOF
# raw keys: init-rsa/resp-rsa (RSA 2048), init-ed/resp-ed (Ed25519), other-rsa (known to nobody);
# the responder's private keys go to swanctl/private, the public keys are pinned by file name
for k in init-rsa resp-rsa other-rsa init-ed resp-ed; do
  case $k in *-rsa) t="--type rsa --size 2048";; *) t="--type ed25519";; esac
  pki --gen $t > $WORK/$k.der 2>/dev/null && pki --pub --in $WORK/$k.der > $WORK/$k.pub 2>/dev/null \
    || { echo "FAIL: pki --gen $t"; exit 1; }
done
cp $WORK/resp-rsa.der $WORK/resp-ed.der $D/swanctl/private/
# the same keys as PEM (PKCS#8 private key, SPKI public key), as openssl writes them
openssl pkey -inform DER -in $WORK/init-rsa.der -out $WORK/init-rsa.pem 2>/dev/null &&
  openssl pkey -pubin -inform DER -in $WORK/resp-rsa.pub -out $WORK/resp-rsa.pub.pem 2>/dev/null ||
  { echo "FAIL: openssl pkey"; exit 1; }

conn() { # name, remote id [, local auth, local id, remote auth, local key, remote key]
  local la=${3:-psk} lid=${4:-@resp.lab} ra=${5:-psk} lk= rk=
  [ -n "${6:-}" ] && lk="pubkeys = $6"
  [ -n "${7:-}" ] && rk="pubkeys = $7"
  cat <<EOF
  $1 {
    version = 2
    mobike = no
    local_addrs = 10.99.0.2
    proposals = chacha20poly1305-prfsha256-x25519, aes256gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519
    local {
      auth = $la
      id = $lid
      $lk
    }
    remote {
      auth = $ra
      id = $2
      $rk
    }
    children {
      $1-child {
        local_ts = 10.99.10.0/24
        remote_ts = 10.99.20.0/24
        esp_proposals = chacha20poly1305, aes256gcm16, aes128gcm16
      }
    }
  }
EOF
}
{
  echo "connections {"
  conn fq @init.lab; conn em init@lab; conn kid keyid:init-key-1
  conn rsa @rsa.init.lab pubkey @rsa.resp.lab pubkey $WORK/resp-rsa.pub $WORK/init-rsa.pub
  conn ed @ed.init.lab pubkey @ed.resp.lab pubkey $WORK/resp-ed.pub $WORK/init-ed.pub
  conn mix @mix.init.lab psk @resp.lab pubkey "" $WORK/init-rsa.pub
  echo "}"
  echo "secrets {"
  for id in @init.lab init@lab keyid:init-key-1 @mix.init.lab; do
    echo "  ike-$RANDOM { id-r = @resp.lab"; echo "    id-i = $id"; echo "    secret = \"$PSK\" }"
  done
  echo "}"
} > $D/swanctl/swanctl.conf

ip netns add $NSI || exit 1
ip netns add $NSR || exit 1
ip link add $VI type veth peer name $VR || exit 1
ip link set $VI netns $NSI; ip link set $VR netns $NSR
ip -n $NSI addr add 10.99.0.1/24 dev $VI; ip -n $NSR addr add 10.99.0.2/24 dev $VR
ip -n $NSR addr add 10.99.10.1/32 dev lo
for n in $NSI $NSR; do ip -n $n link set lo up; done
ip -n $NSI link set $VI up; ip -n $NSR link set $VR up

ip netns exec $NSR env STRONGSWAN_CONF=$D/strongswan.conf /usr/sbin/charon-systemd > $D/charon.stdout 2>&1 &
CHARON_PID=$!
for i in $(seq 1 50); do [ -S $D/charon.vici ] && break; sleep 0.1; done
sw() { STRONGSWAN_CONF=$D/strongswan.conf SWANCTL_DIR=$D/swanctl swanctl "$@"; }
sw --load-all --noprompt > $D/load.txt 2>&1 || { cat $D/load.txt; echo "FAIL: swanctl --load-all"; exit 1; }

FAILS=0 N=0
pass() { N=$((N+1)); echo "ok $N - $*"; }
fail() { N=$((N+1)); FAILS=$((FAILS+1)); echo "not ok $N - $*"; }
keylines() { wc -l < $D/charon-keys.log 2>/dev/null || echo 0; }
initiator() { # output file, args... (--psk unless the args have --key)
  local out=$1 a=(--psk "$PSK"); shift
  [[ " $* " = *" --key "* ]] && a=()
  ip netns exec $NSI perl "$PL" --peer 10.99.0.2 "${a[@]}" --tsi 10.99.20.0/24 \
     --tsr 10.99.10.0/24 --timeout 0.5 "$@" > "$out" 2>&1
}

# scenario: name, expect (ok|fail:REGEX), args...
scenario() {
  local name=$1 expect=$2; shift 2
  local out=$WORK/$name.out from; from=$(keylines)
  local lfrom; lfrom=$(wc -l < $D/charon.log)
  initiator "$out" "$@"; local rc=$?
  # what charon did with the signatures: its "authentication of ... with METHOD" lines
  tail -n +$((lfrom + 1)) $D/charon.log | grep -E 'authentication of|signature|encoding|parsed IKE_AUTH req' \
    | sed -E 's/^[0-9:]+ +[0-9]+\[[A-Z]+\] (<[^>]*> )?/    charon: /' > $WORK/$name.charon
  [[ " $* " = *" --key "* || " $* " = *" --peer-key "* ]] && cat $WORK/$name.charon
  sed 's/^/    /' "$out" | grep -v -E '^    (SPI|Ni|Nr|AUTH_i|ESP_SPI|KEYMAT|SK_|SKEYSEED|g\^ir|IKE_)' 
  if [ "$expect" = ok ]; then
    if [ $rc = 0 ] && grep -q '^ESP ping OK' "$out"; then pass "$name: handshake + ESP ping"
    else fail "$name: handshake + ESP ping (rc $rc)"; return; fi
    if grep -q '^SKEYSEED = ' "$out"; then
      if perl "$HERE/charon-keylog.pl" $D/charon-keys.log "$from" "$out" > $WORK/$name.keys; then
        pass "$name: keys equal charon's key log"
      else fail "$name: keys differ from charon's key log"; fi
      sed 's/^/    /' $WORK/$name.keys
    fi
  else
    if [ $rc != 0 ] && grep -q -E "${expect#fail:}" "$out"; then pass "$name: fails as expected"
    else fail "$name: expected failure matching '${expect#fail:}' (rc $rc)"; fi
  fi
}

echo "# strongSwan $(dpkg-query -W -f='${Version}' strongswan-swanctl 2>/dev/null); responder in ns $NSR"
FIX="--spi 0123456789abcdef --nonce 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
 --dh-priv 77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a --esp-spi c0ffee01 --sport 500"
scenario fqdn-chacha ok --id fqdn:init.lab --peer-id fqdn:resp.lab --send-idr --ike chacha --esp chacha \
  --ping 10.99.10.1 --print-keys --print-msgs $FIX
scenario email-gcm256 ok --id email:init@lab --ike gcm256 --esp gcm256 --ping 10.99.10.1 --print-keys
scenario keyid-gcm128 ok --id keyid:init-key-1 --ike gcm128,chacha --esp gcm128 --ping 10.99.10.1 --print-keys
scenario default-proposals ok --id fqdn:init.lab --ping 10.99.10.1 --print-keys
scenario wrong-psk fail:AUTHENTICATION_FAILED --id fqdn:init.lab --psk wrong-psk-0123456789 --ping 10.99.10.1
scenario unknown-id fail:AUTHENTICATION_FAILED --id fqdn:nobody.lab --ping 10.99.10.1
scenario wrong-peer-id "fail:another ID" --id fqdn:init.lab --peer-id fqdn:other.lab

# determinism: the same fixed inputs give the same IKE_SA_INIT request, byte for byte
initiator $WORK/fixed-again.out --id fqdn:init.lab --peer-id fqdn:resp.lab --send-idr --ike chacha --esp chacha \
  --print-msgs $FIX
a=$(grep '^IKE_SA_INIT_request' $WORK/fqdn-chacha.out) b=$(grep '^IKE_SA_INIT_request' $WORK/fixed-again.out)
if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "fixed inputs: identical IKE_SA_INIT request"
else fail "fixed inputs: IKE_SA_INIT requests differ"; fi
# RFC 7748 section 6.1: Alice's private key gives this public key; it must be the KE data
if grep -q '^IKE_SA_INIT_request = .*28000028001f00008520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' \
   $WORK/fqdn-chacha.out; then pass "fixed DH key: KE payload carries RFC 7748 Alice's public key"
else fail "fixed DH key: KE payload is not RFC 7748 Alice's public key"; fi

# raw public keys (RFC 7296 3.8, RFC 7427, RFC 7670)
KR="--peer-key $WORK/resp-rsa.pub" KE="--peer-key $WORK/resp-ed.pub"
RSA="--id fqdn:rsa.init.lab --peer-id fqdn:rsa.resp.lab --ping 10.99.10.1"
ED="--id fqdn:ed.init.lab --peer-id fqdn:ed.resp.lab --ping 10.99.10.1"
methods() { # name, our method, responder method
  if grep -q "^our AUTH: method $2\$" $WORK/$1.out &&
     grep -q "^IKE SA established: responder AUTH verified (method $3," $WORK/$1.out; then
    pass "$1: AUTH methods: ours $2, strongSwan's $3"
  else fail "$1: AUTH methods not $2/$3: $(grep -E '^(our AUTH|IKE SA est)' $WORK/$1.out | tr '\n' ' ')"; fi
}
scenario rsa-ds ok $RSA --key $WORK/init-rsa.der $KR --print-keys --send-idr
methods rsa-ds 14 14
scenario rsa-sha1 ok $RSA --key $WORK/init-rsa.der $KR --no-sig-hash --print-keys
methods rsa-sha1 1 1
if grep -q 'received supported signature hash' $WORK/rsa-ds.charon &&
   ! grep -q 'supported signature hash' $WORK/rsa-sha1.charon; then
  pass "rsa-sha1: without our N(SIGNATURE_HASH_ALGORITHMS) strongSwan sends none and uses method 1"
else fail "rsa-sha1: strongSwan's SIGNATURE_HASH_ALGORITHMS behaviour changed"; fi
scenario ed25519 ok $ED --key $WORK/init-ed.der $KE --print-keys --ike gcm256 --esp gcm256
methods ed25519 14 14
scenario rsa-pem-cert15 ok $RSA --key $WORK/init-rsa.pem --peer-key $WORK/resp-rsa.pub.pem --send-cert
methods rsa-pem-cert15 14 14
if grep -q 'IDi CERT' $WORK/rsa-pem-cert15.charon && grep -q 'encoding (15) not supported' $WORK/rsa-pem-cert15.charon
then pass "rsa-pem-cert15: strongSwan parses CERT(15), ignores it, and uses the pinned key"
else fail "rsa-pem-cert15: strongSwan's handling of CERT(15) changed"; fi
scenario rsa-key-psk-resp ok --id fqdn:mix.init.lab --key $WORK/init-rsa.der --psk "$PSK" --ping 10.99.10.1
methods rsa-key-psk-resp 14 2
scenario rsa-unknown-key fail:AUTHENTICATION_FAILED $RSA --key $WORK/other-rsa.der $KR
scenario rsa-wrong-peer-key "fail:does not verify" $RSA --key $WORK/init-rsa.der --peer-key $WORK/other-rsa.pub
scenario rsa-peer-key-type "fail:signature algorithm" $RSA --key $WORK/init-rsa.der $KE
scenario ed25519-no-hash "fail:hash 5" $ED --key $WORK/init-ed.der $KE --no-sig-hash
scenario psk-for-rsa-conn fail:AUTHENTICATION_FAILED $RSA


# COOKIE: leave one half-open IKE SA (cookie_threshold = 1), then the next initiator is challenged
initiator $WORK/half-open.out --id fqdn:init.lab --init-only
scenario cookie ok --id fqdn:init.lab --ping 10.99.10.1 --print-keys
if grep -q '^got COOKIE' $WORK/cookie.out; then pass "cookie: COOKIE round trip seen"
else fail "cookie: no COOKIE challenge seen"; fi

echo "1..$N"
[ $FAILS = 0 ] && echo "# all $N passed" || echo "# $FAILS of $N FAILED"
[ $FAILS = 0 ]
