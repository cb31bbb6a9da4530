#!/bin/bash
# SPDX-License-Identifier: MIT
#
# mutation-check.sh: shows that the differential test (diff-test.sh) is sensitive. Each mutant
# changes one thing in the key schedule or the encoding of ONE side; diff-test.sh must fail for
# every mutant (and pass for the unmutated pair, checked first).
#   Perl mutants: edited copies of minike-init.pl (PERL_INIT=...), fast.
#   C mutants (with --c): the tree is copied to a temp dir, one line of ref/src is edited, and
#   only diff_driver is rebuilt there (about 30 s per mutant on 2 cores).
# usage: mutation-check.sh DIFF_DRIVER [--c SOURCE_TREE]     exit 0: every mutant was caught
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVER=${1:?usage: $0 DIFF_DRIVER [--c SOURCE_TREE]}
SRC=; [ "${2:-}" = --c ] && SRC=${3:?--c needs the source tree}
WORK=$(mktemp -d -t mkmut.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
caught=0 missed=0

run_diff() { "$HERE/diff-test.sh" "$@" > $WORK/last.out 2>&1; }
run_diff "$DRIVER"; rc=$?
[ $rc = 77 ] && { cat $WORK/last.out; exit 77; }
if [ $rc != 0 ]; then cat $WORK/last.out; echo "FAIL: unmutated pair does not pass"; exit 1; fi
echo "unmutated: diff-test passes"

verdict() { # name
  if [ $1 = 0 ]; then echo "MISSED  $2"; missed=$((missed+1))
  else echo "caught  $2 ($(grep -c '^not ok' $WORK/last.out) checks failed: $(grep '^not ok' $WORK/last.out | head -2 | sed 's/^not ok [0-9]* - //' | tr '\n' ';'))"
       caught=$((caught+1)); fi
}

perl_mutant() { # name, perl substitution applied to the script
  local f=$WORK/mut.pl
  perl -pe "$2" "$HERE/minike-init.pl" > $f
  cmp -s $f "$HERE/minike-init.pl" && { echo "BROKEN  $1: substitution matched nothing"; missed=$((missed+1)); return; }
  PERL_INIT=$f run_diff "$DRIVER"; verdict $? "Perl: $1"
}
perl_mutant "prf+ counter starts at 0"           's/for \(my \$n = 1; length/for (my \$n = 0; length/'
perl_mutant "SKEYSEED keyed with Nr | Ni"         's/my \$nn = \$ikev2->\{ni\} \. \$ikev2->\{nr\};/my \$nn = \$ikev2->{nr} . \$ikev2->{ni};/'
perl_mutant "SK_ei/SK_er order swapped"           's/\@\$ikev2\{qw\(sk_d sk_ei sk_er sk_pi sk_pr\)\}/\@\$ikev2{qw(sk_d sk_er sk_ei sk_pi sk_pr)}/'
perl_mutant "KEYMAT seeded with Nr | Ni"          's/prf_plus\(\$ikev2->\{sk_d\}, \$ikev2->\{ni\} \. \$ikev2->\{nr\}/prf_plus(\$ikev2->{sk_d}, \$ikev2->{nr} . \$ikev2->{ni}/'
perl_mutant "key pad string"                      's/Key Pad for IKEv2/Key pad for IKEv2/'
perl_mutant "transform 'more' marker 3 -> 2"      's/pack\(.CCnCCn., \$last \? 0 : 3/pack("CCnCCn", \$last ? 0 : 2/'
perl_mutant "NAT-D port little-endian"            's/\. \$ip \. pack\(.n., \$port\)\);/. \$ip . pack("v", \$port));/'
perl_mutant "KE reserved field 1"                 's/pack\(.nn., DH_X25519, 0\)/pack("nn", DH_X25519, 1)/'

if [ -n "$SRC" ]; then
  c_mutant() { # name, file, perl substitution
    local t=$WORK/tree
    rm -rf $t; mkdir -p $t
    (cd "$SRC" && tar --exclude='./build*' --exclude=./.git -cf - .) | (cd $t && tar xf -)
    perl -pi -e "$3" $t/$2
    cmp -s $t/$2 "$SRC/$2" && { echo "BROKEN  C: $1: substitution matched nothing"; missed=$((missed+1)); return; }
    cat > $WORK/inc.cmake <<EOF
cmake_language(DEFER DIRECTORY \${CMAKE_SOURCE_DIR} CALL include \${CMAKE_SOURCE_DIR}/interop/perl/CMakeLists.txt)
EOF
    if ! { cmake -S $t -B $t/build -DCMAKE_PROJECT_INCLUDE=$WORK/inc.cmake -DMK_INTEROP=OFF > $WORK/build.log 2>&1 &&
           cmake --build $t/build --target diff_driver -j2 >> $WORK/build.log 2>&1; }; then
      echo "BROKEN  C: $1: mutant does not build"; tail -5 $WORK/build.log; missed=$((missed+1)); return
    fi
    run_diff $t/build/diff_driver; verdict $? "C: $1"
  }
  c_mutant "prf+ counter starts at 2"    ref/src/keysched.c 's/uint8_t ctr = 1;/uint8_t ctr = 2;/'
  c_mutant "NAT-D port little-endian"    ref/src/keysched_natd.c 's/uint8_t port\[2\] = \{\(uint8_t\)\(a->port >> 8\), \(uint8_t\)a->port\};/uint8_t port[2] = {(uint8_t)a->port, (uint8_t)(a->port >> 8)};/'
fi
echo "caught $caught, missed $missed"
[ $missed = 0 ]
