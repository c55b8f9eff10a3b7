#!/usr/bin/env bash
# `npm run test:deploy`: the local end-to-end deploy test (test/deploy/deploy.deploy.ts).
# A Docker engine (ensure-docker.sh), the local debootstrap bases the container suite uses too, the
# test's own images on top of them (the VPS, Caddy from Debian, the Node base with this machine's CA
# bundle), then the test. Leftovers of killed runs (label codex-lanes-deploy, loop devices of
# codex-lanes-deploy files) are removed first.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/deploy-test

scripts/containers/ensure-docker.sh
mapfile -t bases < <(scripts/containers/build-base-image.sh)
[ "${#bases[@]}" -eq 2 ] || { echo "test:deploy: build-base-image.sh did not print two tags" >&2; exit 1; }

build() { # tag dockerfile base [context]
  local ctx="${4:-$here}"
  echo "test:deploy: building $1" >&2
  docker build -q -t "$1" -f "$here/$2" --build-arg "BASE_IMAGE=$3" "$ctx" >/dev/null
}
build codex-lanes-test-vps:bookworm vps.Dockerfile "${bases[0]}"
build codex-lanes-test-caddy:local caddy.Dockerfile "${bases[0]}"
ca_ctx="$(mktemp -d)"
trap 'rm -rf "$ca_ctx"' EXIT
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
cp "$ca" "$ca_ctx/ca-certificates.crt"
cp "$here/node.Dockerfile" "$ca_ctx/"
docker build -q -t codex-lanes-test-node:local -f "$ca_ctx/node.Dockerfile" --build-arg "BASE_IMAGE=${bases[1]}" "$ca_ctx" >/dev/null

if [ "${CODEX_LANES_KEEP_STALE:-0}" != "1" ]; then
  stale="$(docker ps -aq --filter label=codex-lanes-deploy)"
  [ -n "$stale" ] && docker rm -f -v $stale >/dev/null
  stale="$(docker volume ls -q --filter label=codex-lanes-deploy)"
  [ -n "$stale" ] && docker volume rm -f $stale >/dev/null
  stale="$(docker network ls -q --filter label=codex-lanes-deploy)"
  [ -n "$stale" ] && docker network rm $stale >/dev/null
  losetup -l -n -O NAME,BACK-FILE | awk '/codex-lanes-deploy-/ {print $1}' | xargs -r -n1 losetup -d
fi

exec node --import tsx --test --test-concurrency=1 --test-timeout=1800000 test/deploy/*.deploy.ts
