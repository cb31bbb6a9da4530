# Sourced (not run) by scripts/bare-check.sh, scripts/docker-daemon.sh, interop/docker/run.sh and
# fuzz/oss-fuzz/run-in-docker.sh: a Docker daemon that answers, and the locally made Debian 12 base
# image (no registry but Debian's: debootstrap + docker import, see
# ../shared/reference/containers-and-boards.md).
#
#   mk_docker_up      0 when `docker info` answers; as root starts `dockerd` when none runs (and
#                     remembers its PID in MK_DOCKERD_PID); 1 with the reason in MK_DOCKER_WHY.
#   mk_docker_down    stops the daemon only if mk_docker_up started it, by that PID.
#   mk_docker_base    makes sure image $MK_BASE_IMAGE (minbase bookworm) exists; built once, cached.
#   MK_DOCKER_CAPS    the run options the namespace and strongSwan tests need (--privileged fails here).

MK_BASE_IMAGE=${MK_BASE_IMAGE:-minike-base:bookworm}
MK_DOCKERD_PID=""
MK_DOCKER_WHY=""
MK_DOCKER_CAPS=(--cap-add NET_ADMIN --cap-add SYS_ADMIN --cap-add NET_RAW --device /dev/net/tun
                --security-opt seccomp=unconfined --security-opt apparmor=unconfined)

mk_docker_answers() { command -v docker >/dev/null 2>&1 && timeout 20 docker info >/dev/null 2>&1; }

mk_docker_up() {
    mk_docker_answers && return 0
    if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
        MK_DOCKER_WHY="docker is not installed: run 'bash scripts/deps.sh' (docker.io)"; return 1
    fi
    # inside a Docker container (cgroup v1 shows /docker/ID; /.dockerenv alone proves nothing:
    # some hosts have it): no nested daemon
    if grep -qs ':/docker/' /proc/1/cgroup; then
        MK_DOCKER_WHY="running inside a container: no nested Docker daemon (run this on the host)"
        return 1
    fi
    if [ "$(id -u)" -ne 0 ]; then
        MK_DOCKER_WHY="no Docker daemon answers and starting one needs root: 'sudo dockerd &' (or the
    docker service), or run the test command as root, which starts it"; return 1
    fi
    local log=${MK_DOCKERD_LOG:-/tmp/minike-dockerd.log} i
    # A daemon of our own: new session, every descriptor to the log, so that a ctest fixture that
    # starts it can return while it keeps running.
    setsid dockerd >"$log" 2>&1 </dev/null &
    MK_DOCKERD_PID=$!
    for i in $(seq 1 60); do
        mk_docker_answers && { echo "docker: started dockerd (PID $MK_DOCKERD_PID, log $log)"; return 0; }
        kill -0 "$MK_DOCKERD_PID" 2>/dev/null || break
        sleep 0.5
    done
    MK_DOCKER_WHY="dockerd did not answer within 30 s (log: $log)"
    mk_docker_down
    return 1
}

mk_docker_down() {
    [ -n "$MK_DOCKERD_PID" ] || return 0
    local i
    kill "$MK_DOCKERD_PID" 2>/dev/null || true
    # dockerd stops its containers first; give it time, then insist.
    for i in $(seq 1 40); do kill -0 "$MK_DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$MK_DOCKERD_PID" 2>/dev/null || true
    echo "docker: stopped dockerd (PID $MK_DOCKERD_PID)"
    MK_DOCKERD_PID=""
}

# The Debian mirror apt uses here (first deb822 URIs: line, else the first `deb` line).
mk_debian_mirror() {
    local m
    m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null)
    [ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' \
                           /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null)
    echo "$m"
}

mk_docker_base() {
    docker image inspect "$MK_BASE_IMAGE" >/dev/null 2>&1 && return 0
    command -v debootstrap >/dev/null || { echo "docker: debootstrap missing (scripts/deps.sh)"; return 1; }
    (
        # One builder at a time; a second caller waits and then finds the image.
        exec 8>/tmp/minike-base-image.lock
        flock 8
        docker image inspect "$MK_BASE_IMAGE" >/dev/null 2>&1 && exit 0
        set -e
        local dir mirror t0=$SECONDS
        mirror=$(mk_debian_mirror)
        dir=$(mktemp -d /var/tmp/minike-base.XXXXXX)
        trap 'rm -rf "$dir"' EXIT
        echo "docker: building $MK_BASE_IMAGE (debootstrap --variant=minbase bookworm, ${mirror:-default mirror})"
        debootstrap --variant=minbase bookworm "$dir" $mirror >"$dir.log" 2>&1 ||
            { tail -20 "$dir.log"; rm -f "$dir.log"; exit 1; }
        rm -f "$dir.log"
        # The same apt sources and settings as this machine (snapshot mirrors need Check-Valid-Until).
        if ls /etc/apt/sources.list.d/*.sources >/dev/null 2>&1; then
            cp /etc/apt/sources.list.d/*.sources "$dir/etc/apt/sources.list.d/"
            : >"$dir/etc/apt/sources.list"
        fi
        grep -h 'Check-Valid-Until\|Check-Date' /etc/apt/apt.conf.d/* 2>/dev/null \
            >"$dir/etc/apt/apt.conf.d/99minike-host" || true
        rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
        tar -C "$dir" -c . | docker import - "$MK_BASE_IMAGE" >/dev/null
        echo "docker: $MK_BASE_IMAGE ready in $((SECONDS - t0)) s"
    )
}

# mk_docker_pick_base: MK_FROM = the image the project's Dockerfiles start FROM: $MK_DOCKER_BASE if
# set, else debian:bookworm when it is here already (or MK_DOCKER_PULL=1 allows pulling it), else
# the debootstrapped $MK_BASE_IMAGE (made now if missing), and says so.
mk_docker_pick_base() {
    MK_FROM=${MK_DOCKER_BASE:-}
    [ -n "$MK_FROM" ] && return 0
    if docker image inspect debian:bookworm >/dev/null 2>&1 || [ "${MK_DOCKER_PULL:-0}" = 1 ]; then
        MK_FROM=debian:bookworm; return 0
    fi
    MK_FROM=$MK_BASE_IMAGE
    echo "docker: debian:bookworm is not here and no registry but Debian's is used: FROM $MK_FROM"
    echo "        (debootstrap --variant=minbase bookworm + docker import; MK_DOCKER_PULL=1 to pull instead)"
    mk_docker_base
}
