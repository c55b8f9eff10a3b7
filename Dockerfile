# codex-lanes images, one Dockerfile with two targets. Build context: the repository root.
#
#   DOCKER_BUILDKIT=1 docker build --target worker  -t codex-lanes-worker .
#   DOCKER_BUILDKIT=1 docker build --target gateway -t codex-lanes-gateway .
#
# worker   one ChatGPT account (one CODEX_HOME) per container, with the pinned Codex CLI. Run it with
#          CODEX_LANES_WORKER_TOKEN set (it refuses to start without it) and the account's own volume on
#          /codex-home. Publish no port: the gateway reaches it over the private network.
# gateway  the HTTP gateway. It never runs Codex itself (accounts live in workers), so the Codex CLI
#          packages are removed from its node_modules.
#
# BASE_IMAGE   runtime base: Debian bookworm with Node >= 20 at /usr/local (default: the official Node 24 LTS
#              image, pinned by digest; keep it equal to NODE_IMAGE in pulumi/images.ts).
# BUILD_IMAGE  build stage base: the same Debian (same libc) as BASE_IMAGE; python3, make and g++ are
#              installed here when it lacks them (scripts/containers/build-base-image.sh makes one with them).
# Optional BuildKit secret `npm_ca`: an extra CA bundle for a TLS-intercepting proxy in front of the npm
# registry (`--secret id=npm_ca,src=/etc/ssl/certs/ca-certificates.crt`). It is mounted for the npm step
# only and never lands in a layer.
ARG BASE_IMAGE=node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG BUILD_IMAGE=${BASE_IMAGE}
# BETTER_SQLITE3_VERSION  must equal package-lock.json's better-sqlite3 (see the sqlite stage).
ARG BETTER_SQLITE3_VERSION=12.11.1

# ---- sqlite: better-sqlite3 compiled from source, once per version ----
# Its own stage, keyed only on the version, so a change to any other dependency (a new lockfile) reuses the
# compiled module instead of spending minutes in node-gyp. Keep the version equal to package-lock.json's:
# the build stage refuses a mismatch, and npm test (test/dockerfile.test.ts) finds it before any build.
FROM ${BUILD_IMAGE} AS sqlite
ARG BETTER_SQLITE3_VERSION
WORKDIR /sqlite
RUN if ! command -v python3 >/dev/null || ! command -v make >/dev/null || ! command -v g++ >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
      && rm -rf /var/lib/apt/lists/*; \
    fi \
    && if [ ! -f /usr/local/include/node/node.h ]; then \
      echo "BUILD_IMAGE has no Node headers in /usr/local/include/node, and node-gyp must not download them:" \
           "use an official node image or codex-lanes-base:bookworm-node20-build" >&2; exit 1; \
    fi
# Compiled against this libc and the Node headers under /usr/local/include/node (nodedir), so node-gyp
# never downloads headers and no prebuilt binary is fetched.
RUN --mount=type=secret,id=npm_ca,required=false \
    --mount=type=cache,target=/root/.npm,id=codex-lanes-npm \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm init -y >/dev/null \
    && npm_config_build_from_source=true npm_config_nodedir=/usr/local \
       npm install --no-save --no-audit --no-fund --loglevel=warn "better-sqlite3@${BETTER_SQLITE3_VERSION}" \
    && install -D -m 0755 node_modules/better-sqlite3/build/Release/better_sqlite3.node /out/better_sqlite3.node

# ---- build: production dependencies, the pinned Codex CLI among them (from package-lock.json) ----
FROM ${BUILD_IMAGE} AS build
ARG BETTER_SQLITE3_VERSION
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: better-sqlite3's would compile again, and the module comes from the sqlite stage.
RUN --mount=type=secret,id=npm_ca,required=false \
    --mount=type=cache,target=/root/.npm,id=codex-lanes-npm \
    if [ -s /run/secrets/npm_ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npm_ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn \
    && locked="$(node -p "require('better-sqlite3/package.json').version")" \
    && if [ "$locked" != "$BETTER_SQLITE3_VERSION" ]; then \
      echo "package-lock.json has better-sqlite3 $locked but the Dockerfile's BETTER_SQLITE3_VERSION is $BETTER_SQLITE3_VERSION:" \
           "set ARG BETTER_SQLITE3_VERSION in the Dockerfile to $locked" >&2; exit 1; \
    fi \
    && rm -rf node_modules/better-sqlite3/build node_modules/better-sqlite3/deps node_modules/better-sqlite3/src
COPY --from=sqlite /out/better_sqlite3.node node_modules/better-sqlite3/build/Release/better_sqlite3.node
RUN node -e "require('better-sqlite3')(':memory:').prepare('select 1').get()" \
    && node_modules/.bin/codex --version

# ---- gateway-deps: the same node_modules without the Codex CLI ----
FROM build AS gateway-deps
RUN rm -rf node_modules/@openai/codex node_modules/@openai/codex-* node_modules/.bin/codex \
    && { rmdir node_modules/@openai 2>/dev/null || true; } \
    && ! ls -d node_modules/@openai/codex* 2>/dev/null

# ---- runtime: what both images share; tini as PID 1 forwards SIGTERM to node and reaps zombies ----
FROM ${BASE_IMAGE} AS runtime
RUN if ! command -v tini >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi \
    && groupadd --gid 10001 codex-lanes
WORKDIR /app
ENTRYPOINT ["tini", "--"]

# ---- worker ----
FROM runtime AS worker
RUN useradd --uid 10001 --gid codex-lanes --home-dir /home/codex-lanes --create-home \
       --shell /usr/sbin/nologin codex-lanes \
    && chmod 0700 /home/codex-lanes \
    && install -d -o codex-lanes -g codex-lanes -m 0700 /codex-home
COPY --from=build /app/node_modules ./node_modules
COPY package.json ./
COPY scripts/containers/healthcheck.cjs ./scripts/containers/healthcheck.cjs
COPY gateway ./gateway
# `codex` on PATH for `docker exec … codex --version` and for humans; the worker itself finds the
# native binary through gateway/codex/binary.ts.
ENV NODE_ENV=production \
    PATH=/app/node_modules/.bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    CODEX_HOME=/codex-home
# A fresh named volume takes this directory's owner and mode (codex-lanes, 0700).
VOLUME /codex-home
EXPOSE 8790
USER codex-lanes
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/scripts/containers/healthcheck.cjs", "--path", "/health", "--port", "8790", \
       "--port-env", "CODEX_LANES_WORKER_PORT", "--token-env", "CODEX_LANES_WORKER_TOKEN"]
CMD ["node", "gateway/bin/codex-lanes.cjs", "worker"]

# ---- gateway (last, so a plain `docker build .` makes the gateway) ----
FROM runtime AS gateway
RUN useradd --uid 10001 --gid codex-lanes --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin codex-lanes \
    && mkdir -p /data /etc/codex-lanes \
    && chown codex-lanes:codex-lanes /data && chmod 0700 /data
COPY --from=gateway-deps /app/node_modules ./node_modules
COPY package.json ./
COPY scripts/containers/healthcheck.cjs ./scripts/containers/healthcheck.cjs
COPY gateway ./gateway
# Without a config file (CODEX_LANES_CONFIG unset) the embedded default puts dataDir at ./data: the volume too.
RUN ln -s /data /app/data
# The config file is required (mount it, e.g. read-only); its dataDir should be "/data". Inside a container
# the gateway must listen on every interface: CODEX_LANES_HOST overrides the file's listen.host.
ENV NODE_ENV=production \
    CODEX_LANES_CONFIG=/etc/codex-lanes/config.json \
    CODEX_LANES_HOST=0.0.0.0
VOLUME /data
EXPOSE 8787
USER codex-lanes
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "/app/scripts/containers/healthcheck.cjs", "--path", "/healthz", "--port", "8787"]
CMD ["node", "gateway/bin/codex-lanes.cjs", "serve"]
