# Caddy from Debian's package (2.6.2), standing in for the pinned official caddy image, which no
# registry here can serve. Same layout as the official image: config in /etc/caddy, state in /data
# and /config, the Caddyfile given at run time.
ARG BASE_IMAGE=codex-lanes-base:bookworm-node20
FROM ${BASE_IMAGE}
RUN apt-get update && apt-get install -y --no-install-recommends caddy && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /etc/caddy /data /config
ENV XDG_CONFIG_HOME=/config XDG_DATA_HOME=/data
EXPOSE 80 443
CMD ["caddy", "run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
