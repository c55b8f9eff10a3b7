#!/usr/bin/env bash
# Build the local base images used when no image registry can be reached:
#   $CODEX_LANES_BASE_TAG        (default codex-lanes-base:bookworm-node20)        runtime base
#   $CODEX_LANES_BASE_BUILD_TAG  (default codex-lanes-base:bookworm-node20-build)  + python3 make g++ (node-gyp)
# The runtime base is `debootstrap --variant=minbase bookworm` (+ ca-certificates, tini) with this host's
# Node (>= 20) copied in at the layout of the official node:*-bookworm-slim images: /usr/local/bin/node,
# /usr/local/lib/node_modules/{npm,corepack}. The build variant adds the Node headers at
# /usr/local/include/node (so node-gyp, given nodedir=/usr/local, never downloads them) and the toolchain;
# the runtime base leaves the headers out (54 MB that only compiling needs).
# Skips an image that already exists unless --force. Prints the runtime tag, then the build tag, on stdout.
#
# Needs root (debootstrap) and a running Docker engine (see ensure-docker.sh).
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), CODEX_LANES_BASE_TAG, CODEX_LANES_BASE_BUILD_TAG.
set -euo pipefail

base_tag="${CODEX_LANES_BASE_TAG:-codex-lanes-base:bookworm-node20}"
build_tag="${CODEX_LANES_BASE_BUILD_TAG:-${base_tag}-build}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    *) echo "usage: $0 [--force]" >&2; exit 2 ;;
  esac
done

. "$(dirname "$0")/lib.sh"

say() { echo "build-base-image: $*" >&2; }
fail() { say "error: $*"; exit 1; }
image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

docker info >/dev/null 2>&1 || fail "no Docker engine answers; run scripts/containers/ensure-docker.sh first"

# --- host Node -------------------------------------------------------------------------------------
node_bin="$(readlink -f "$(command -v node || true)")"
[ -x "$node_bin" ] || fail "node is not on PATH"
node_version="$("$node_bin" -p 'process.versions.node')"
[ "${node_version%%.*}" -ge 20 ] || fail "host Node is $node_version; the project needs >= 20"
node_prefix="$(dirname "$(dirname "$node_bin")")"
npm_dir="$node_prefix/lib/node_modules/npm"
[ -f "$npm_dir/bin/npm-cli.js" ] || fail "npm not found at $npm_dir"
[ -f "$node_prefix/include/node/node.h" ] || fail "Node headers not found at $node_prefix/include/node (node-gyp needs them)"

build_runtime_base() {
  [ "$(id -u)" -eq 0 ] || fail "debootstrap needs root"
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; } \
      || fail "could not install debootstrap"
  fi
  local work rootfs
  work="$(mktemp -d /var/tmp/codex-lanes-base.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this run's directory
  trap "rm -rf '$work'" EXIT
  rootfs="$work/rootfs"

  say "debootstrap --variant=minbase bookworm from $mirror (about a minute)"
  debootstrap --variant=minbase --include=ca-certificates,tini bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }

  slim_rootfs "$rootfs"
  copy_node "$rootfs"

  say "importing $base_tag (Node $node_version)"
  tar -C "$rootfs" --numeric-owner -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=$node_version" \
    --change 'CMD ["node"]' \
    --message "debootstrap minbase bookworm + host Node $node_version (codex-lanes)" \
    - "$base_tag" >/dev/null
  rm -rf "$work"
  trap - EXIT
}

# Same trimming as Debian's official -slim images, so later apt installs stay small too.
slim_rootfs() {
  local r="$1"
  cat >"$r/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
  cat >"$r/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT::Install-Recommends "false";
EOF
  printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
  chmod 0755 "$r/usr/sbin/policy-rc.d"
  find "$r/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/groff/* "$r"/usr/share/lintian/*
  find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  # Host-specific files debootstrap copies in; Docker provides its own at run time.
  rm -f "$r/etc/resolv.conf" "$r/etc/hostname"
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/* "$r"/var/cache/debconf/*-old "$r"/var/log/* "$r"/tmp/* "$r"/root/.??* 2>/dev/null || true
}

# The host's Node, without the host's npm config (it names host paths such as a local CA bundle).
copy_node() {
  local r="$1"
  install -D -m 0755 "$node_bin" "$r/usr/local/bin/node"
  mkdir -p "$r/usr/local/lib/node_modules" "$r/usr/local/include"
  cp -a "$npm_dir" "$r/usr/local/lib/node_modules/npm"
  if [ -d "$node_prefix/lib/node_modules/corepack" ]; then
    cp -a "$node_prefix/lib/node_modules/corepack" "$r/usr/local/lib/node_modules/corepack"
    ln -s ../lib/node_modules/corepack/dist/corepack.js "$r/usr/local/bin/corepack"
  fi
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  rm -f "$r/usr/local/lib/node_modules/npm/npmrc" "$r/usr/local/etc/npmrc"
  chown -R 0:0 "$r/usr/local"
}

build_build_base() {
  say "building $build_tag (Node headers, python3 make g++ for node-gyp)"
  local ctx
  ctx="$(mktemp -d /var/tmp/codex-lanes-build-base.XXXXXX)"
  # shellcheck disable=SC2064 # expand now: the trap must remove this run's directory
  trap "rm -rf '$ctx'" EXIT
  tar -C "$node_prefix/include" --owner=0 --group=0 -cf "$ctx/node-include.tar" node
  cat >"$ctx/Dockerfile" <<EOF
FROM $base_tag
ADD node-include.tar /usr/local/include/
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \\
 && rm -rf /var/lib/apt/lists/*
EOF
  # apt inside the build uses the engine's network to reach the Debian archive.
  local client mode
  read -r client mode < <(docker_buildkit_client) || fail "no docker client can build with BuildKit (install buildx, or Debian's docker.io)"
  if [ "$mode" = "env" ]; then export DOCKER_BUILDKIT=1; fi
  "$client" build -q -t "$build_tag" "$ctx" >/dev/null || fail "building $build_tag failed"
  rm -rf "$ctx"
  trap - EXIT
}

if [ "$force" -eq 1 ] || ! image_exists "$base_tag"; then
  build_runtime_base
else
  say "$base_tag exists; skipping (--force rebuilds)"
fi
if [ "$force" -eq 1 ] || ! image_exists "$build_tag"; then
  build_build_base
else
  say "$build_tag exists; skipping"
fi

echo "$base_tag"
echo "$build_tag"
