# The Node base the deploy test gives the program (its `nodeImage` setting), standing in for the
# pinned official node image: the local debootstrap base with the build toolchain, plus this
# machine's CA bundle, because npm on the build machines goes through a TLS-intercepting proxy.
ARG BASE_IMAGE=codex-lanes-base:bookworm-node20-build
FROM ${BASE_IMAGE}
COPY ca-certificates.crt /usr/local/share/codex-lanes-test-ca.crt
ENV NODE_EXTRA_CA_CERTS=/usr/local/share/codex-lanes-test-ca.crt
