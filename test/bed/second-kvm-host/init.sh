#!/bin/bash
# PID 1 of the second KVM host's namespaces (mount, PID, network, UTS), started by
# second-kvm-host.ts through unshare. Usage: init.sh DIR ADDRESS/PREFIX IFNAME HOSTNAME
# DIR holds the host's own libvirt folders (run, lib, log, cache, etc), its root home and its
# sshd config; they are bound over the standard paths, so only this host sees them.
set -eu
dir=$1 address=$2 ifname=$3 name=$4
mount --make-rprivate /
mount --bind "$dir/run" /run/libvirt
mount --bind "$dir/lib" /var/lib/libvirt
mount --bind "$dir/log" /var/log/libvirt
mount --bind "$dir/cache" /var/cache/libvirt
mount --bind "$dir/etc" /etc/libvirt
# A home of its own: keys set up for migration never touch the machine's /root.
mount --bind "$dir/root" /root
hostname "$name"
ip link set lo up
for _ in $(seq 100); do ip link show "$ifname" >/dev/null 2>&1 && break; sleep 0.1; done
ip addr add "$address" dev "$ifname"
ip link set "$ifname" up
mkdir -p /run/sshd
# Own pid files: /run/*.pid belong to the machine's daemons.
virtlogd -d -p /run/libvirt/virtlogd.pid
libvirtd -d -p /run/libvirt/libvirtd.pid
/usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
echo ready > "$dir/ready"
trap 'exit 0' TERM
# As PID 1 it also reaps the QEMU processes libvirtd leaves to it.
while :; do sleep 1 & wait $! || true; done
