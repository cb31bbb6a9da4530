#!/bin/bash -eu
# SPDX-License-Identifier: MIT
# OSS-Fuzz build script for minike: the usual contract. Inputs: $CC, $CFLAGS (sanitizer and
# coverage flags), $LIB_FUZZING_ENGINE, $SRC (minike checked out in $SRC/minike, optional
# dependency sources in $SRC/libsodium and $SRC/mbedtls), $WORK (scratch), $OUT. Outputs in
# $OUT: fuzz_<target> binaries, fuzz_<target>_seed_corpus.zip and fuzz_<target>.dict.
# fuzz/run_oss_fuzz_build.sh runs this same script locally (clang-14, no Docker); without the
# dependency sources it links the system libsodium / libmbedcrypto (fine for ASan/UBSan, not for
# MSan).
MK=${MK_SRC:-$SRC/minike}
WORK=${WORK:-$(mktemp -d)}
DEPS=$WORK/deps
mkdir -p "$DEPS/lib" "$DEPS/include" "$WORK/obj" "$OUT"

# ---- dependencies -------------------------------------------------------------------------------
if [ -d "$SRC/libsodium" ]; then
    pushd "$SRC/libsodium" >/dev/null
    [ -x configure ] || ./autogen.sh -s
    ./configure --disable-shared --enable-static --disable-asm --disable-pie \
                --prefix="$DEPS" CC="$CC" CFLAGS="$CFLAGS" >/dev/null
    make -j"$(nproc)" install >/dev/null
    popd >/dev/null
    SODIUM_CFLAGS="-I$DEPS/include"
    SODIUM_LIBS="$DEPS/lib/libsodium.a"
else
    SODIUM_CFLAGS=$(pkg-config --cflags libsodium)
    SODIUM_LIBS=$(pkg-config --libs libsodium)
fi
if [ -d "$SRC/mbedtls" ]; then
    make -C "$SRC/mbedtls" -j"$(nproc)" lib CC="$CC" CFLAGS="$CFLAGS" >/dev/null
    cp -r "$SRC/mbedtls/include/mbedtls" "$DEPS/include/"
    MBED_CFLAGS="-I$DEPS/include"
    MBED_LIBS="$SRC/mbedtls/library/libmbedcrypto.a"
else
    MBED_CFLAGS=""
    MBED_LIBS="-lmbedcrypto"
fi

# ---- the core and the in-process responder --------------------------------------------------------
INC="-I$MK/ref/include -I$MK/ref/src -I$MK/harness/lib -I$MK/fuzz -I$MK/ref/tiny"
STD="-std=c11 -D_DEFAULT_SOURCE -DMK_NATT=1 -DMK_RPK=1"
objs_core=()
for f in "$MK"/ref/src/*.c; do
    o="$WORK/obj/core_$(basename "$f" .c).o"
    $CC $CFLAGS $STD $INC $SODIUM_CFLAGS $MBED_CFLAGS -c "$f" -o "$o"
    objs_core+=("$o")
done
objs_peer=()
for f in "$MK"/harness/lib/peer*.c; do
    o="$WORK/obj/peer_$(basename "$f" .c).o"
    $CC $CFLAGS $STD $INC $SODIUM_CFLAGS -c "$f" -o "$o"
    objs_peer+=("$o")
done
# the template core (ref/tiny, minike_tiny.h), for the fuzz_tiny_* targets
objs_tiny=()
for f in "$MK"/ref/tiny/*.c; do
    [ -e "$f" ] || continue
    o="$WORK/obj/tiny_$(basename "$f" .c).o"
    $CC $CFLAGS $STD -I$MK/ref/tiny $SODIUM_CFLAGS -c "$f" -o "$o"
    objs_tiny+=("$o")
done
rm -f "$WORK/libmk_core.a" "$WORK/libmk_peer.a" "$WORK/libmk_tiny.a"
ar rcs "$WORK/libmk_core.a" "${objs_core[@]}"
ar rcs "$WORK/libmk_peer.a" "${objs_peer[@]}"
tiny_lib=()
if [ ${#objs_tiny[@]} -gt 0 ]; then
    ar rcs "$WORK/libmk_tiny.a" "${objs_tiny[@]}"
    tiny_lib=("$WORK/libmk_tiny.a")
fi

# ---- one binary per target, with its seed corpus and the dictionary -------------------------------
for src in "$MK"/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    name=${t#fuzz_}
    case "$name" in tiny_*) [ ${#tiny_lib[@]} -gt 0 ] || continue ;; esac
    $CC $CFLAGS $STD $INC $SODIUM_CFLAGS -c "$src" -o "$WORK/obj/$t.o"
    ${CXX:-$CC} ${CXXFLAGS:-$CFLAGS} $LIB_FUZZING_ENGINE "$WORK/obj/$t.o" -o "$OUT/$t" \
        "$WORK/libmk_peer.a" "$WORK/libmk_core.a" ${tiny_lib[@]+"${tiny_lib[@]}"} $SODIUM_LIBS $MBED_LIBS
    rm -f "$OUT/${t}_seed_corpus.zip"
    files=$(find "$MK/fuzz/corpus/$name" "$MK/fuzz/regress/$name" -type f ! -name '.*' 2>/dev/null || true)
    if [ -n "$files" ]; then
        # shellcheck disable=SC2086
        zip -jq "$OUT/${t}_seed_corpus.zip" $files
    fi
    cp "$MK/fuzz/ikev2.dict" "$OUT/$t.dict"
done
