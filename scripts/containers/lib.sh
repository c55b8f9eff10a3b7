# Shared helpers for the container scripts. Source it; it defines functions only.

# Prints the path of a docker client that builds with BuildKit (needed for `RUN --mount` secrets and
# caches), and whether it needs DOCKER_BUILDKIT=1, as "<client> <buildx|env>". A client with the buildx
# plugin builds with BuildKit by default; Docker >= 23 without buildx refuses DOCKER_BUILDKIT=1, while
# Debian's docker.io 20.10 client has BuildKit built in and needs DOCKER_BUILDKIT=1.
# CODEX_LANES_DOCKER_BUILD_CLIENT overrides the choice.
docker_buildkit_client() {
  local c
  if [ -n "${CODEX_LANES_DOCKER_BUILD_CLIENT:-}" ]; then echo "$CODEX_LANES_DOCKER_BUILD_CLIENT env"; return 0; fi
  for c in $(type -ap docker) /usr/bin/docker; do
    [ -x "$c" ] || continue
    if "$c" buildx version >/dev/null 2>&1; then echo "$c buildx"; return 0; fi
    if DOCKER_BUILDKIT=1 "$c" build --help >/dev/null 2>&1; then echo "$c env"; return 0; fi
  done
  return 1
}

# Prints the CA bundle to hand to `npm ci` inside builds as the `npm_ca` BuildKit secret, or nothing.
# Only needed behind a TLS-intercepting proxy; the secret is mounted for one step and never stored.
npm_ca_file() {
  local f="${CODEX_LANES_NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}"
  if [ -z "$f" ]; then
    f="$(npm config get cafile 2>/dev/null || true)"
    [ "$f" = "null" ] || [ "$f" = "undefined" ] && f=""
  fi
  if [ -n "$f" ] && [ -s "$f" ]; then echo "$f"; fi
}
