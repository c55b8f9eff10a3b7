// cloud-init for the server. It puts Docker's volume store on the Hetzner volume, so every Docker
// volume (each account's CODEX_HOME, the gateway's database, Caddy's certificates) lives on storage
// that outlives the server. Hetzner's `docker-ce` image already runs Docker; this only moves storage.
//
// It also installs the SSH host key the program generated (so the first connection is already
// checked) and a swap file (the image builds need more than a 4 GB server's memory at peaks).
//
// The server ignores later changes to this text (ignoreChanges: ["userData"]), because a change
// would otherwise replace the server; see pulumi/README.md "Replacing the server".

export const DATA_MOUNT = "/mnt/codex-lanes";
export const DOCKER_VOLUMES_DIR = "/var/lib/docker/volumes";

export const DATA_SERVICE = "codex-lanes-data.service";

/**
 * Mounts the data volume and binds its docker-volumes over Docker's volume store. Idempotent. Runs
 * at every boot as DATA_SERVICE, before Docker. It waits for the device file itself rather than
 * relying on fstab and udev's device units: the volume can appear seconds after boot (right after
 * the server is created, it is attached only then).
 */
function mountScript(device: string): string {
  return `#!/bin/sh
# Mounts the codex-lanes data volume on ${DATA_MOUNT} and binds ${DATA_MOUNT}/docker-volumes over ${DOCKER_VOLUMES_DIR}.
set -eu
DEV='${device}'
MNT='${DATA_MOUNT}'
i=0
# Wait for the volume (at most 10 minutes).
while [ ! -b "$DEV" ]; do
  i=$((i + 1))
  if [ "$i" -gt 300 ]; then echo "codex-lanes: data volume $DEV never appeared" >&2; exit 1; fi
  sleep 2
done
mkdir -p "$MNT" ${DOCKER_VOLUMES_DIR}
mountpoint -q "$MNT" || mount -t ext4 -o discard,defaults "$DEV" "$MNT"
mkdir -p "$MNT/docker-volumes"
mountpoint -q ${DOCKER_VOLUMES_DIR} || mount --bind "$MNT/docker-volumes" ${DOCKER_VOLUMES_DIR}
`;
}

const DATA_UNIT = `[Unit]
Description=codex-lanes data volume (every Docker volume lives on it)
Before=docker.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/codex-lanes-mount-data
TimeoutStartSec=11min
[Install]
WantedBy=multi-user.target
`;

// Docker must never start without the data volume: accounts would sign in onto the root disk.
const DOCKER_DROP_IN = `[Unit]
Requires=${DATA_SERVICE}
After=${DATA_SERVICE}
`;

/** First boot only (runcmd): Docker is already running on the image; restart it on the volume. */
const FIRST_BOOT = `#!/bin/sh
set -eu
systemctl daemon-reload
systemctl enable ${DATA_SERVICE}
systemctl stop docker.socket docker.service
systemctl start ${DATA_SERVICE}
systemctl start docker.socket docker.service
`;

export const SWAP_MB = 2048;

function swapScript(): string {
  return `#!/bin/sh
# A ${SWAP_MB} MB swap file on the root disk. Never fatal: a server without swap still runs.
if ! swapon --show=NAME --noheadings | grep -q '^/swapfile$'; then
  if [ ! -f /swapfile ]; then
    fallocate -l ${SWAP_MB}M /swapfile && chmod 600 /swapfile && mkswap /swapfile >/dev/null || { rm -f /swapfile; echo "codex-lanes: no swap file" >&2; exit 0; }
  fi
  grep -q '^/swapfile ' /etc/fstab || echo '/swapfile none swap sw 0 0' >> /etc/fstab
  swapon /swapfile || echo "codex-lanes: swapon failed; continuing without swap" >&2
fi
exit 0
`;
}

export interface HostKey {
  /** OpenSSH private key (secret). */
  private: string;
  /** "ssh-ed25519 AAAA..." */
  public: string;
}

/** `device` is the volume's Linux device, e.g. /dev/disk/by-id/scsi-0HC_Volume_123. */
export function cloudInit(opts: { device: string; hostKey: HostKey }): string {
  if (!/^\/dev\/[A-Za-z0-9_./-]+$/.test(opts.device)) throw new Error(`unexpected volume device path: ${opts.device}`);
  const indent = (text: string) =>
    text
      .split("\n")
      .map((l) => (l ? `      ${l}` : l))
      .join("\n");
  if (!/^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(opts.hostKey.public)) throw new Error("the host key must be a bare ssh-ed25519 public key");
  // JSON strings are YAML double-quoted scalars: the key's newlines survive exactly.
  return `#cloud-config
ssh_deletekeys: true
ssh_keys:
  ed25519_private: ${JSON.stringify(opts.hostKey.private)}
  ed25519_public: ${JSON.stringify(opts.hostKey.public)}
write_files:
  - path: /etc/systemd/system/docker.service.d/10-codex-lanes.conf
    permissions: "0644"
    content: |
${indent(DOCKER_DROP_IN)}
  - path: /etc/systemd/system/${DATA_SERVICE}
    permissions: "0644"
    content: |
${indent(DATA_UNIT)}
  - path: /usr/local/sbin/codex-lanes-mount-data
    permissions: "0755"
    content: |
${indent(mountScript(opts.device))}
  - path: /usr/local/sbin/codex-lanes-first-boot
    permissions: "0755"
    content: |
${indent(FIRST_BOOT)}
  - path: /usr/local/sbin/codex-lanes-swap
    permissions: "0755"
    content: |
${indent(swapScript())}
runcmd:
  - [/usr/local/sbin/codex-lanes-swap]
  - [/usr/local/sbin/codex-lanes-first-boot]
`;
}

/**
 * Run over SSH until it succeeds (command.remote.Command); the Docker provider waits for it.
 * Fails loudly when the data volume is not mounted rather than letting Docker write to the root disk.
 */
export const WAIT_FOR_DOCKER = [
  "cloud-init status --wait >/dev/null 2>&1 || true",
  `mountpoint -q ${DOCKER_VOLUMES_DIR} || { echo "codex-lanes: the data volume is not mounted on ${DOCKER_VOLUMES_DIR}; see /var/log/cloud-init-output.log" >&2; exit 1; }`,
  "i=0; until docker info >/dev/null 2>&1; do i=$((i + 1)); if [ $i -gt 150 ]; then echo 'codex-lanes: docker did not answer' >&2; exit 1; fi; sleep 2; done",
  "docker version --format '{{.Server.Version}}'",
].join("\n");
