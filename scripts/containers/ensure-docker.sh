#!/usr/bin/env bash
# Make sure a Docker engine answers `docker info`. Idempotent: does nothing when one already answers.
# Otherwise (as root) installs Debian's docker.io when dockerd is missing and starts dockerd in the
# background, logging to $CODEX_LANES_DOCKERD_LOG. Waits at most $CODEX_LANES_DOCKERD_WAIT seconds.
#
# Environment:
#   CODEX_LANES_DOCKERD_LOG   dockerd log file (default /var/log/codex-lanes-dockerd.log)
#   CODEX_LANES_DOCKERD_WAIT  seconds to wait for the engine to answer (default 60)
set -euo pipefail

log_file="${CODEX_LANES_DOCKERD_LOG:-/var/log/codex-lanes-dockerd.log}"
wait_s="${CODEX_LANES_DOCKERD_WAIT:-60}"

say() { echo "ensure-docker: $*" >&2; }
fail() { say "error: $*"; exit 1; }

engine_answers() { docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && engine_answers; then
  say "engine already running ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  why="$(docker info 2>&1 >/dev/null | tail -n 1 || true)"
  fail "\`docker info\` fails (${why:-docker not installed}) and this is not root, so no engine can be installed or started here. Start one, or give this user access to its socket, or run as root."
fi

install_docker_io() {
  say "installing Debian's docker.io (apt-get, noninteractive)"
  export DEBIAN_FRONTEND=noninteractive
  # A stale package index can lack the candidate; update once, then install.
  apt-get update -qq || fail "apt-get update failed"
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null \
    || fail "apt-get install docker.io failed"
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "dockerd is missing and apt-get is not available to install it"
  install_docker_io
fi

dockerd_running() {
  local pid
  [ -s /var/run/docker.pid ] || return 1
  pid="$(cat /var/run/docker.pid)"
  kill -0 "$pid" 2>/dev/null
}

if dockerd_running; then
  # Started by someone else (or an earlier run) and still coming up: wait for it, never start a second one.
  say "dockerd (pid $(cat /var/run/docker.pid)) is running but not answering yet; waiting"
else
  mkdir -p "$(dirname "$log_file")"
  say "starting dockerd in the background (log: $log_file)"
  # setsid + nohup: the engine must outlive this script and the shell that ran it.
  setsid nohup dockerd >>"$log_file" 2>&1 </dev/null &
fi

deadline=$((SECONDS + wait_s))
until engine_answers; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "last lines of $log_file:"
    tail -n 20 "$log_file" >&2 2>/dev/null || true
    fail "the Docker engine did not answer within ${wait_s}s"
  fi
  sleep 1
done
say "engine ready ($(docker version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
