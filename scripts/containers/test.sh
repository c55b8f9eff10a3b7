#!/usr/bin/env bash
# `npm run test:containers`: a Docker engine (started, or installed, when none answers), base images
# (official, or built locally from Debian packages when no registry answers), then every container suite
# test/containers/*.container.ts, one file at a time since they share the engine.
# Leftovers of earlier, killed runs (label codex-lanes-test) are removed first unless
# CODEX_LANES_KEEP_STALE=1.
set -euo pipefail
cd "$(dirname "$0")/../.."

eval "$(scripts/containers/prepare.sh)"
export BASE_IMAGE BUILD_IMAGE
echo "test:containers: BASE_IMAGE=$BASE_IMAGE BUILD_IMAGE=$BUILD_IMAGE" >&2

if [ "${CODEX_LANES_KEEP_STALE:-0}" != "1" ]; then
  stale="$(docker ps -aq --filter label=codex-lanes-test)"
  [ -n "$stale" ] && docker rm -f -v $stale >/dev/null
  stale="$(docker network ls -q --filter label=codex-lanes-test)"
  [ -n "$stale" ] && docker network rm $stale >/dev/null
  stale="$(docker volume ls -q --filter label=codex-lanes-test)"
  [ -n "$stale" ] && docker volume rm -f $stale >/dev/null
fi

exec node --import tsx --test --test-concurrency=1 --test-timeout=1800000 test/containers/*.container.ts
