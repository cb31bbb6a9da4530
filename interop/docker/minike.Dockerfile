# minike, built from this tree (build context: the repository root) in a first stage; the second
# holds the binary and its run-time libraries only. Initiator of minike-strongswan,
# minike-strongswan-rpk, minike-libreswan and garage-demo's device; responder of strongswan-minike
# and garage-demo's door.
ARG BASE=debian:bookworm
FROM ${BASE} AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config libsodium-dev libmbedtls-dev libpcap-dev >/dev/null
COPY . /src
RUN cmake -S /src -B /build -DCMAKE_BUILD_TYPE=Release -DMK_INTEROP=OFF >/dev/null && \
    cmake --build /build -j"$(nproc)" --target minike >/dev/null && /build/minike --version

FROM ${BASE}
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libsodium23 libmbedcrypto7 libpcap0.8 iproute2 iputils-ping tcpdump procps python3 >/dev/null && \
    rm -rf /var/lib/apt/lists/*
COPY --from=build /build/minike /usr/local/bin/minike
CMD ["sleep", "infinity"]
