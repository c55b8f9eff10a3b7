#!/usr/bin/env bash
# First step of `npm run test:containers`: a Docker engine that answers, and base images to build on.
# Prints two lines on stdout, in a form `eval` and the test harness both read:
#   BASE_IMAGE=<runtime base>
#   BUILD_IMAGE=<build-stage base, same Debian>
#
# Choice of base, first that applies:
#   1. BASE_IMAGE (and optionally BUILD_IMAGE) already set in the environment: used as they are;
#   2. the official Node 24 image pinned by digest (as in the Dockerfile), when present locally or pullable within
#      $CODEX_LANES_PULL_TIMEOUT seconds (default 60), unless CODEX_LANES_LOCAL_BASE=1;
#   3. otherwise the local images from build-base-image.sh (debootstrap, no registry needed).
# Everything else goes to stderr.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
official="node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d"

"$here/ensure-docker.sh"

emit() {
  echo "BASE_IMAGE=$1"
  echo "BUILD_IMAGE=$2"
}

if [ -n "${BASE_IMAGE:-}" ]; then
  echo "prepare: using BASE_IMAGE from the environment" >&2
  emit "$BASE_IMAGE" "${BUILD_IMAGE:-$BASE_IMAGE}"
  exit 0
fi

if [ "${CODEX_LANES_LOCAL_BASE:-0}" != "1" ]; then
  if docker image inspect "$official" >/dev/null 2>&1 \
    || timeout "${CODEX_LANES_PULL_TIMEOUT:-60}" docker pull -q "$official" >/dev/null 2>&1; then
    echo "prepare: using the official $official" >&2
    emit "$official" "$official"
    exit 0
  fi
  echo "prepare: $official cannot be pulled (no registry reachable); building a local base from Debian packages" >&2
fi

mapfile -t tags < <("$here/build-base-image.sh")
[ "${#tags[@]}" -eq 2 ] || { echo "prepare: build-base-image.sh did not print two tags" >&2; exit 1; }
emit "${tags[0]}" "${tags[1]}"
