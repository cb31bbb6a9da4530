#!/usr/bin/env bash
# docker-daemon.sh start|stop PIDFILE: the ctest fixture around the `docker` tests. start: a Docker
# daemon that answers (started here, as root, only when none does: its PID goes to PIDFILE); without
# one it says why and exits 0, and each docker test then skips itself (77). stop: stops the daemon
# only if PIDFILE names one that start began, by that PID.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/docker-lib.sh
. "$root/scripts/docker-lib.sh"
cmd=${1:-} pidfile=${2:-}
[ -n "$pidfile" ] || { echo "usage: docker-daemon.sh start|stop PIDFILE" >&2; exit 2; }
case "$cmd" in
  start)
    rm -f "$pidfile"
    if mk_docker_up; then
      if [ -n "$MK_DOCKERD_PID" ]; then echo "$MK_DOCKERD_PID" > "$pidfile"
      else echo "docker: a daemon answers already (left as it is)"; fi
    else
      echo "docker: $MK_DOCKER_WHY (the docker tests skip)"
    fi ;;
  stop)
    [ -f "$pidfile" ] || { echo "docker: no daemon of ours to stop"; exit 0; }
    MK_DOCKERD_PID=$(cat "$pidfile")
    if [ "$(cat "/proc/$MK_DOCKERD_PID/comm" 2>/dev/null)" = dockerd ]; then mk_docker_down
    else echo "docker: PID $MK_DOCKERD_PID is no longer dockerd"; fi
    rm -f "$pidfile" ;;
  *) echo "usage: docker-daemon.sh start|stop PIDFILE" >&2; exit 2 ;;
esac
exit 0
