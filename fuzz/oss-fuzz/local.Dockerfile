# The OSS-Fuzz builder's layout, made locally from Debian 12 (no registry but Debian's): clang-14,
# $SRC/$OUT/$WORK, $CC/$CFLAGS/$LIB_FUZZING_ENGINE as base-builder sets them for libFuzzer, the
# `compile` entry point, and the dependency sources build.sh expects in $SRC. Where the real
# Dockerfile (beside this one) clones libsodium 1.0.18 and mbedTLS 2.28 upstream and minike from its
# repository, this one takes the same versions' Debian source packages and this tree (build
# context: the repository root). fuzz/oss-fuzz/run-in-docker.sh builds and runs it.
ARG BASE=debian:bookworm
FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      clang-14 libclang-rt-14-dev llvm-14 make autoconf automake libtool pkg-config python3 zip unzip \
      dpkg-dev >/dev/null
# the dependency sources: deb-src twin of the image's own deb822 sources, then apt-get source
RUN for f in /etc/apt/sources.list.d/*.sources; do \
      sed 's/^Types: deb$/Types: deb-src/' "$f" > "${f%.sources}-src.sources"; done && \
    apt-get update -qq && mkdir -p /src && cd /src && \
    apt-get source -qq libsodium mbedtls >/dev/null 2>&1 && \
    mv libsodium-1.0.18 libsodium && mv mbedtls-2.28.* mbedtls && rm -f ./*.dsc ./*.tar.* && \
    rm -rf /var/lib/apt/lists/*
ENV SRC=/src OUT=/out WORK=/work CC=clang-14 CXX=clang++-14 \
    SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64 \
    SANITIZER_FLAGS="-fsanitize=address -fsanitize-address-use-after-scope" \
    CFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
    CXXFLAGS="-O1 -fno-omit-frame-pointer -gline-tables-only -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -fsanitize=address -fsanitize-address-use-after-scope -fsanitize=fuzzer-no-link" \
    LIB_FUZZING_ENGINE="-fsanitize=fuzzer"
COPY . /src/minike
COPY fuzz/oss-fuzz/build.sh /src/build.sh
COPY fuzz/oss-fuzz/compile fuzz/oss-fuzz/check-seeds.sh /usr/local/bin/
WORKDIR /src/minike
CMD ["compile"]
