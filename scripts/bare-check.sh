#!/usr/bin/env bash
# Prove the README's two commands on a bare machine: a minbase Debian 12 container (no compiler, no
# sudo, nothing preinstalled), a clean clone of this tree's HEAD in it, ../shared beside it as CI has
# it, and then, as root with the capabilities the namespace interop tests need:
#     bash scripts/demo.sh      bash scripts/test.sh
# then, in a second bare container, `bash scripts/demo.sh` as a user with sudo (the README says the
# commands work for one; MK_BARE_SUDO=0 leaves this out). Reports each command's exit status and
# time; exits non-zero if one failed, 77 without Docker. The docker-label tests skip in there (no
# nested daemon): ctest -L docker runs them on the host.
# Logs: build/bare/{demo,test,sudo-demo}.log (or $MK_BARE_LOGDIR). MK_BARE_KEEP=1 keeps containers.
# ctest: label `bare`, registered only with -DMK_BARE_CHECK=ON (it takes 15-25 minutes).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/docker-lib.sh
. "$root/scripts/docker-lib.sh"

if ! mk_docker_up; then
    echo "bare-check: SKIP: $MK_DOCKER_WHY"; exit 77
fi
cid="" cid2="" work=""
cleanup() {
    local c
    for c in $cid $cid2; do
        if [ "${MK_BARE_KEEP:-0}" = 1 ]; then echo "bare-check: container kept: $c"
        else docker rm -f "$c" >/dev/null || true; fi
    done
    [ -n "$work" ] && rm -rf "$work"
    mk_docker_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mk_docker_base

# A clean clone of HEAD: what CI gets, nothing of the work tree's builds or untracked files.
head=$(git -C "$root" rev-parse HEAD)
[ -z "$(git -C "$root" status --porcelain --untracked-files=no)" ] ||
    echo "bare-check: note: uncommitted changes are not checked (HEAD ${head:0:12} is)"
work=$(mktemp -d /var/tmp/minike-bare.XXXXXX)
git clone -q --no-checkout "$root" "$work/minike"
git -C "$work/minike" checkout -q --detach "$head"

cid=$(docker run -d "${MK_DOCKER_CAPS[@]}" -w /w/minike "$MK_BASE_IMAGE" sleep infinity)
# -w made /w/minike already: copy the clone's contents into it
docker cp "$work/minike/." "$cid:/w/minike" >/dev/null
if [ -d "$root/../shared" ]; then
    docker cp "$root/../shared" "$cid:/w/shared"
    docker exec "$cid" chmod -R a-w /w/shared     # read-only beside the clone, as CI lays it
fi
docker exec "$cid" sh -c 'command -v gcc cmake sudo || true' | sed 's/^/bare-check: preinstalled: /'

logdir=${MK_BARE_LOGDIR:-$root/build/bare}
mkdir -p "$logdir"
names=(demo test)
cmds=("bash scripts/demo.sh" "bash scripts/test.sh")
rcs=() secs=()
for i in 0 1; do
    echo "bare-check: running '${cmds[$i]}' (log $logdir/${names[$i]}.log)"
    t0=$SECONDS
    set +e
    docker exec "$cid" bash -c "${cmds[$i]}" >"$logdir/${names[$i]}.log" 2>&1
    rc=$?
    set -e
    rcs+=("$rc"); secs+=("$((SECONDS - t0))")
    if [ "$rc" -ne 0 ]; then
        echo "---- last 40 lines of ${names[$i]}.log"; tail -40 "$logdir/${names[$i]}.log"; echo "----"
    fi
done
# What the test command skipped (ctest's own summary lines), so a silent skip is visible.
grep -h 'tests passed\|Not Run\|(Skipped)\|(Failed)' "$logdir/test.log" | sed 's/^/bare-check: /' || true

if [ "${MK_BARE_SUDO:-1}" = 1 ]; then
    # sudo and the user are set up by root first (not timed); the clone belongs to the user
    cid2=$(docker run -d "${MK_DOCKER_CAPS[@]}" "$MK_BASE_IMAGE" sleep infinity)
    docker exec "$cid2" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends sudo >/dev/null && useradd -m dev &&
        echo "dev ALL=(ALL) NOPASSWD:ALL" > /etc/sudoers.d/dev && mkdir /home/dev/minike'
    docker cp "$work/minike/." "$cid2:/home/dev/minike" >/dev/null
    docker exec "$cid2" chown -R dev: /home/dev/minike
    names+=(sudo-demo); cmds+=("bash scripts/demo.sh (user dev, sudo)")
    echo "bare-check: running 'bash scripts/demo.sh' as a user with sudo (log $logdir/sudo-demo.log)"
    t0=$SECONDS
    set +e
    docker exec -u dev -w /home/dev/minike "$cid2" bash scripts/demo.sh >"$logdir/sudo-demo.log" 2>&1
    rc=$?
    set -e
    rcs+=("$rc"); secs+=("$((SECONDS - t0))")
    [ "$rc" -eq 0 ] || { echo "---- last 40 lines of sudo-demo.log"; tail -40 "$logdir/sudo-demo.log"; }
    grep -q 'deps: installing' "$logdir/sudo-demo.log" ||
        { echo "bare-check: the user's demo installed nothing: the sudo path was not exercised"; rcs[-1]=1; }
fi

echo
printf 'bare-check (%s, image %s)\n' "${head:0:12}" "$MK_BASE_IMAGE"
printf '  %-38s %6s %8s\n' command exit time
fail=0
for i in "${!cmds[@]}"; do
    printf '  %-38s %6s %6s s\n' "${cmds[$i]}" "${rcs[$i]}" "${secs[$i]}"
    [ "${rcs[$i]}" -eq 0 ] || fail=1
done
[ $fail = 0 ] && { echo "bare-check: PASS"; exit 0; }
echo "bare-check: FAIL"; exit 1
