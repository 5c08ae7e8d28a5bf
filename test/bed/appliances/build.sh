#!/usr/bin/env bash
# Builds the large files of the repository's appliances (image_store/) from Debian packages and
# caches them: nothing big is committed.
#
# Usage: build.sh TINY_VM_DIR [CACHE_DIR [XEN_HOST_DIR]]
#   TINY_VM_DIR  the tiny VM fixture (test/bed/tiny-vm/build.sh): Debian's cloud kernel and a
#                busybox + qemu-guest-agent initramfs
#   CACHE_DIR    defaults to ${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/appliances
#   XEN_HOST_DIR the emulated Xen host's build (test/bed/xen-host/build.sh), for tiny-linux-xen;
#                skipped (the appliance then reports its files missing) when it is not built
#
# Leaves CACHE_DIR/<key>/<appliance>/<file> and CACHE_DIR/current -> <key>, where key is the
# sha256 of this script, the tiny VM's key and the busybox-static version:
#   tiny-linux/  vmlinuz initrd.img disk.qcow2 (64 MiB ext4)
#   debian-dtc/  vmlinuz initrd.img rootfs.tar.gz (a busybox root tree; home/app owned by
#                1234:5678 and etc/numeric-owned by 4321:8765, ids no host user has)
#   tiny-linux-xen/  vmlinuz initrd.gz (the Xen host's PV guest kernel and initramfs) disk.raw
#                (8 MiB ext4)
#   debian-dtc-xen/  vmlinuz initrd.gz (as tiny-linux-xen's: the initramfs mounts convirt.root)
#                rootfs.tar.gz (debian-dtc's, which boots: its rcS applies the host name and the
#                Debian- or Red Hat-style network that setup_network wrote)
# Prints one line on stdout: `appliances: built|cached (DIR)`.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TINY=${1:?usage: build.sh TINY_VM_DIR [CACHE_DIR]}
CACHE=${2:-${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/appliances}
XEN=${3:-}
FIXED_TIME=1700000000

log() { printf 'appliances: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
for tool in mkfs.ext4 qemu-img tar gzip cpio sha256sum flock; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done
[ -r "$TINY/manifest.json" ] || die "no tiny VM fixture in $TINY"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "busybox-static is not installed"
BBVER=$(dpkg-query -W -f '${Version}' busybox-static)
if [ -n "$XEN" ] && [ -e "$(dirname "$XEN")/.$(basename "$XEN").lock" ]; then
	# Waits for a Xen host build in progress (it holds this lock while building).
	exec 8<"$(dirname "$XEN")/.$(basename "$XEN").lock"
	flock -s 8
fi
XENKEY=none
if [ -n "$XEN" ] && [ -r "$XEN/manifest.json" ]; then
	XENKEY=$(sed -n 's/.*"key": *"\([0-9a-f]*\)".*/\1/p' "$XEN/manifest.json")
fi

KEY=$({
	sha256sum "$HERE/build.sh" "$HERE/dtc-rcS" | cut -d" " -f1
	sed -n 's/.*"key": *"\([0-9a-f]*\)".*/\1/p' "$TINY/manifest.json"
	echo "$BBVER"
	echo "$XENKEY"
} | sha256sum | cut -c1-16)
OUT=$CACHE/$KEY

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$OUT/.done" ]; then
	ln -sfn "$KEY" "$CACHE/current"
	echo "appliances: cached ($OUT)"
	exit 0
fi

WORK=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# tiny-linux: the tiny VM's kernel and initramfs, and a data disk it mounts at /mnt/data.
log "tiny-linux"
mkdir -p "$WORK/out/tiny-linux" "$WORK/tiny-data"
cp "$TINY/vmlinuz" "$TINY/initrd.img" "$WORK/out/tiny-linux/"
echo 'convirt tiny-linux appliance' >"$WORK/tiny-data/appliance.txt"
touch -d "@$FIXED_TIME" "$WORK/tiny-data/appliance.txt" "$WORK/tiny-data"
E2FSPROGS_FAKE_TIME=$FIXED_TIME mkfs.ext4 -q -F -d "$WORK/tiny-data" -L tiny-linux \
	-U 00000000-0000-4000-8000-00000000a001 -E root_owner=0:0 "$WORK/tiny.raw" 64M >&2
qemu-img convert -q -f raw -O qcow2 "$WORK/tiny.raw" "$WORK/out/tiny-linux/disk.qcow2"

# debian-dtc: a root tree in a tarball, unpacked on the host with --numeric-owner. Built as two
# tar layers so per-file owners need no root: the tree as 0:0, then files with foreign ids.
log "debian-dtc"
mkdir -p "$WORK/out/debian-dtc"
cp "$TINY/vmlinuz" "$TINY/initrd.img" "$WORK/out/debian-dtc/"
R=$WORK/root
mkdir -p "$R"/{bin,sbin,etc/network,etc/init.d,dev,proc,sys,run,tmp,root,var/log,home/app}
cp "$BUSYBOX" "$R/bin/busybox"
for applet in sh ls cat mount umount mkdir ip hostname init sed grep swapon; do
	ln -s busybox "$R/bin/$applet"
done
ln -s ../bin/busybox "$R/sbin/init"
install -m 0755 "$HERE/dtc-rcS" "$R/etc/init.d/rcS"
printf '::sysinit:/etc/init.d/rcS\n::respawn:-/bin/sh\n::shutdown:/bin/umount -a -r\n' >"$R/etc/inittab"
echo 'PS1="$(hostname)# "' >"$R/etc/profile"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"
printf 'convirt debian-dtc appliance\n' >"$R/etc/motd"
printf 'owned by 4321:8765\n' >"$R/etc/numeric-owned"
printf 'application data\n' >"$R/home/app/data.txt"
find "$R" -exec touch -h -d "@$FIXED_TIME" {} +
TAR_OPTS=(--sort=name --mtime="@$FIXED_TIME" --numeric-owner --format=gnu)
tar -C "$R" "${TAR_OPTS[@]}" --owner=0 --group=0 \
	--exclude=./home/app --exclude=./home/app/data.txt --exclude=./etc/numeric-owned \
	-cf "$WORK/rootfs.tar" .
tar -C "$R" "${TAR_OPTS[@]}" --owner=1234 --group=5678 -rf "$WORK/rootfs.tar" ./home/app
tar -C "$R" "${TAR_OPTS[@]}" --owner=4321 --group=8765 -rf "$WORK/rootfs.tar" ./etc/numeric-owned
gzip -n -9 <"$WORK/rootfs.tar" >"$WORK/out/debian-dtc/rootfs.tar.gz"

# tiny-linux-xen: the Xen host's PV guest kernel and initramfs (kept inside its dom0 initramfs)
# and a raw data disk: dom0 has no qemu-img, xl's qdisk reads raw files as they are.
if [ "$XENKEY" != none ]; then
	log "tiny-linux-xen"
	mkdir -p "$WORK/out/tiny-linux-xen"
	cp "$XEN/vmlinuz" "$WORK/out/tiny-linux-xen/vmlinuz"
	gzip -dc "$XEN/dom0-initrd.gz" |
		cpio -i --quiet --to-stdout '*var/lib/convirt-guest/initrd.gz' >"$WORK/out/tiny-linux-xen/initrd.gz"
	[ -s "$WORK/out/tiny-linux-xen/initrd.gz" ] || die "no PV guest initramfs in $XEN/dom0-initrd.gz"
	E2FSPROGS_FAKE_TIME=$FIXED_TIME mkfs.ext4 -q -F -d "$WORK/tiny-data" -L tiny-linux-xen \
		-U 00000000-0000-4000-8000-00000000a002 -E root_owner=0:0 "$WORK/out/tiny-linux-xen/disk.raw" 8M >&2
	# debian-dtc-xen: the same PV kernel and initramfs, booting debian-dtc's root tree.
	log "debian-dtc-xen"
	mkdir -p "$WORK/out/debian-dtc-xen"
	cp "$WORK/out/tiny-linux-xen/vmlinuz" "$WORK/out/tiny-linux-xen/initrd.gz" \
		"$WORK/out/debian-dtc/rootfs.tar.gz" "$WORK/out/debian-dtc-xen/"
else
	log "tiny-linux-xen and debian-dtc-xen skipped: no Xen host build${XEN:+ in $XEN}"
fi

rm -rf "$OUT"
mv "$WORK/out" "$OUT"
touch "$OUT/.done"
ln -sfn "$KEY" "$CACHE/current"
echo "appliances: built ($OUT)"
