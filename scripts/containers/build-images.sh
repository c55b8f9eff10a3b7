#!/usr/bin/env bash
# Build the gateway and worker images (and, with --fake, the fake ChatGPT backend image for the container
# test) from the repository root, with BuildKit. Prints "gateway=<tag>", "worker=<tag>" (and "fake=<tag>").
#
# Environment:
#   BASE_IMAGE                 runtime base (default: the Dockerfile's own, Node 24 pinned by digest); prepare.sh prints a local one
#   BUILD_IMAGE                build-stage base, same Debian as BASE_IMAGE (default: BASE_IMAGE)
#   CODEX_LANES_GATEWAY_IMAGE  tag (default codex-lanes-gateway:local)
#   CODEX_LANES_WORKER_IMAGE   tag (default codex-lanes-worker:local)
#   CODEX_LANES_FAKE_IMAGE     tag (default codex-lanes-fake-chatgpt:local)
#   CODEX_LANES_NPM_CA         CA bundle for npm behind a TLS-intercepting proxy (default: NODE_EXTRA_CA_CERTS,
#                              then npm's cafile); passed as the BuildKit secret `npm_ca`, never stored
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/containers/lib.sh

base="${BASE_IMAGE:-$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile)}"
build="${BUILD_IMAGE:-$base}"
gateway_tag="${CODEX_LANES_GATEWAY_IMAGE:-codex-lanes-gateway:local}"
worker_tag="${CODEX_LANES_WORKER_IMAGE:-codex-lanes-worker:local}"
fake_tag="${CODEX_LANES_FAKE_IMAGE:-codex-lanes-fake-chatgpt:local}"
with_fake=0
for arg in "$@"; do
  case "$arg" in
    --fake) with_fake=1 ;;
    *) echo "usage: $0 [--fake]" >&2; exit 2 ;;
  esac
done

read -r client mode < <(docker_buildkit_client) || { echo "build-images: no docker client can build with BuildKit (install buildx, or Debian's docker.io)" >&2; exit 1; }
[ "$mode" = "env" ] && export DOCKER_BUILDKIT=1
secret=()
ca="$(npm_ca_file)"
[ -n "$ca" ] && secret=(--secret "id=npm_ca,src=$ca")

build_one() { # tag dockerfile [target]
  echo "build-images: $1 from $2${3:+ --target $3} (BASE_IMAGE=$base BUILD_IMAGE=$build)" >&2
  "$client" build --progress=plain -f "$2" ${3:+--target "$3"} -t "$1" \
    --build-arg "BASE_IMAGE=$base" --build-arg "BUILD_IMAGE=$build" "${secret[@]}" . >&2
}

build_one "$worker_tag" Dockerfile worker
build_one "$gateway_tag" Dockerfile gateway
[ "$with_fake" -eq 1 ] && build_one "$fake_tag" test/containers/Dockerfile.fake
echo "gateway=$gateway_tag"
echo "worker=$worker_tag"
[ "$with_fake" -eq 1 ] && echo "fake=$fake_tag"
exit 0
