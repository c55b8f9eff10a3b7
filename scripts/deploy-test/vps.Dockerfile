# The "VPS" of the local deploy test: Debian bookworm booting systemd, with sshd, cloud-init and a
# Docker engine, like Hetzner's docker-ce image (which is Ubuntu with Docker CE). cloud-init reads a
# NoCloud seed the test mounts at /var/lib/cloud/seed/nocloud: the program's user data, and the SSH
# key as Hetzner's metadata hands it over. Like Hetzner's images, cloud-init installs that key for
# root (disable_root: false). The nested engine uses overlay2 on the /var/lib/docker volume the test
# mounts, and puts its containers' cgroups under their own parent.
ARG BASE_IMAGE=codex-lanes-base:bookworm-node20
FROM ${BASE_IMAGE}
RUN rm -f /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends systemd systemd-sysv dbus openssh-server openssh-sftp-server \
      cloud-init docker.io e2fsprogs util-linux iproute2 iptables procps kmod ca-certificates tar gzip \
 && rm -rf /var/lib/apt/lists/* /etc/ssh/ssh_host_* \
 && systemctl mask getty@.service console-getty.service serial-getty@.service systemd-udevd.service \
      systemd-udev-trigger.service systemd-firstboot.service systemd-timesyncd.service \
      apt-daily.timer apt-daily-upgrade.timer e2scrub_reap.service \
 && systemctl enable ssh.service docker.service \
 && printf 'datasource_list: [ NoCloud, None ]\ndisable_root: false\nlocale: C.UTF-8\n' > /etc/cloud/cloud.cfg.d/90-codex-lanes-test.cfg \
 && mkdir -p /etc/docker \
 && printf '{"storage-driver":"overlay2","cgroup-parent":"/codex-lanes-vps"}\n' > /etc/docker/daemon.json
ENV container=docker
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
