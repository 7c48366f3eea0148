#!/bin/sh
# Runs inside the target image's root file system while it is built (chroot or RUN).
# Makes systemd behave as PID 1 of a container and leaves dockerd as Debian ships it.
set -eu
# Units that cannot work inside a container and would only add failed units.
for unit in systemd-modules-load.service sys-kernel-config.mount sys-kernel-debug.mount \
            systemd-udevd.service systemd-udev-trigger.service getty@tty1.service \
            systemd-remount-fs.service console-getty.service; do
  ln -sf /dev/null "/etc/systemd/system/$unit"
done
# Nested dockerd: overlay on overlay does not work, vfs always does. Operators' own keys
# like this one must survive our daemon.json handling, which makes it a useful witness.
mkdir -p /etc/docker
[ -f /etc/docker/daemon.json ] || printf '{\n  "storage-driver": "vfs"\n}\n' >/etc/docker/daemon.json
# sshd host keys are made per container at first boot, not baked into the image.
rm -f /etc/ssh/ssh_host_*
mkdir -p /etc/systemd/system/ssh.service.d
cat >/etc/systemd/system/ssh.service.d/10-hostkeys.conf <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
# No root password; Ansible reaches the container through `docker exec`.
passwd -d root >/dev/null 2>&1 || true
echo "dockerd-exposure-target" >/etc/hostname
