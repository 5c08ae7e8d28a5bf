#!/usr/bin/env bash
# Builds a real Debian cloud image from Debian packages, as the distribution's own genericcloud
# image is: bookworm with its cloud kernel, cloud-init, the QEMU guest agent and OpenSSH, on a
# disk with an MBR partition table and GRUB, so it boots from its disk alone. Published beside a
# SHA512SUMS file, as cloud.debian.org does; the test bed's nginx serves both.
#
# Usage: build.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/cloud-image
# Output in CACHE_DIR: debian-12-genericcloud-amd64.qcow2, SHA512SUMS, manifest.json
#   {"image": ABS, "sums": ABS, "sha512": HEX, "size": BYTES, "key": SHA256}
# The key covers this script and the mirror; a build with an unchanged key is skipped.
# Needs root (mmdebstrap's chroot) and: mmdebstrap grub-pc-bin qemu-utils e2fsprogs fdisk.
set -euo pipefail
umask 022

IMAGE=debian-12-genericcloud-amd64.qcow2
DISK_SIZE_MIB=3072
log() { printf 'cloud-image: %s\n' "$*" >&2; }
die() {
	printf 'cloud-image: error: %s\n' "$*" >&2
	exit 1
}

CACHE_DIR=${1:-${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/cloud-image}
[[ $CACHE_DIR == /* ]] || CACHE_DIR=$PWD/$CACHE_DIR
CACHE_DIR=$(realpath -m "$CACHE_DIR")
for tool in mmdebstrap grub-mkimage sfdisk mkfs.ext4 qemu-img sha512sum flock; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# The mirror apt already uses (deb822 sources, else sources.list).
MIRROR=${MIRROR:-$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)}
MIRROR=${MIRROR:-$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)}
[ -n "$MIRROR" ] || die "no apt mirror found: set MIRROR"
SECMIRROR=${SECMIRROR:-${MIRROR%/debian}/debian-security}

KEY=$( { sha256sum "${BASH_SOURCE[0]}"; echo "$MIRROR $SECMIRROR"; } | sha256sum | cut -d' ' -f1)
mkdir -p "$CACHE_DIR"
exec 9>"$CACHE_DIR/.lock"
flock 9
if [ -f "$CACHE_DIR/manifest.json" ] && grep -q "\"key\": \"$KEY\"" "$CACHE_DIR/manifest.json"; then
	exit 0
fi

WORK=$(mktemp -d "$CACHE_DIR/.build-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOTFS=$WORK/rootfs
PKGS=linux-image-cloud-amd64,initramfs-tools,zstd,systemd-sysv,udev,dbus,libpam-systemd,\
cloud-init,qemu-guest-agent,openssh-server,sudo,ifupdown,isc-dhcp-client,iproute2,\
e2fsprogs,netbase,ca-certificates,less,procps,locales
t0=$(date +%s)
log "building $IMAGE from $MIRROR (about 2.5 minutes)"
# Gotchas (see the recipe this follows): FSTYPE before the kernel is installed, else the
# initramfs has no fsck.ext4; the locale cloud-init asks for must exist; ifupdown reads what
# cloud-init writes to interfaces.d; host keys and the machine id are made on first boot.
mmdebstrap --quiet --variant=minbase --include="$PKGS" \
	--aptopt='Acquire::Retries "3"' \
	--essential-hook='printf "LABEL=cvroot / ext4 rw,discard,errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
	--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"; echo FSTYPE=ext4 > "$1/etc/initramfs-tools/conf.d/fstype"' \
	--customize-hook='echo debian > "$1/etc/hostname"' \
	--customize-hook='printf "auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n" > "$1/etc/network/interfaces"' \
	--customize-hook='mkdir -p "$1/etc/cloud/cloud.cfg.d"; printf "datasource_list: [ NoCloud, None ]\nmanage_etc_hosts: true\nssh_genkeytypes: [ ed25519 ]\n" > "$1/etc/cloud/cloud.cfg.d/90-convirt-testbed.cfg"' \
	--customize-hook='sed -i "s/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/" "$1/etc/locale.gen"; chroot "$1" locale-gen; echo LANG=en_US.UTF-8 > "$1/etc/default/locale"' \
	--customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
	--customize-hook='truncate -s0 "$1/etc/machine-id"; rm -f "$1/var/lib/dbus/machine-id"' \
	--customize-hook='chroot "$1" passwd -l root' \
	--customize-hook='cd "$1/boot" && ln -sf vmlinuz-* vmlinuz && ln -sf initrd.img-* initrd.img' \
	bookworm "$ROOTFS" \
	"deb $MIRROR bookworm main" \
	"deb $MIRROR bookworm-updates main" \
	"deb $SECMIRROR bookworm-security main"
t1=$(date +%s)

# One primary partition from 1 MiB, its ext4 filesystem made from the tree (no loop device, no
# mount), GRUB's boot sector in the MBR and its core image in the gap before the partition. The
# core image carries its configuration: boot the partition's kernel.
cat >"$WORK/grub.cfg" <<'CFG'
set root=(hd0,msdos1)
linux /boot/vmlinuz root=/dev/vda1 ro console=ttyS0,115200n8
initrd /boot/initrd.img
boot
CFG
grub-mkimage -O i386-pc -o "$WORK/core.img" -p '(hd0,msdos1)/boot/grub' -c "$WORK/grub.cfg" \
	biosdisk part_msdos ext2 linux boot
[ "$(stat -c %s "$WORK/core.img")" -lt $((2047 * 512)) ] || die "GRUB's core image does not fit before the partition"
truncate -s "$((DISK_SIZE_MIB - 1))M" "$WORK/root.ext4"
mkfs.ext4 -q -L cvroot -d "$ROOTFS" "$WORK/root.ext4"
truncate -s "${DISK_SIZE_MIB}M" "$WORK/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk --quiet "$WORK/disk.raw"
dd if="$WORK/root.ext4" of="$WORK/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
# 440 bytes: the boot code only, the partition table stays.
dd if=/usr/lib/grub/i386-pc/boot.img of="$WORK/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$WORK/core.img" of="$WORK/disk.raw" bs=512 seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$WORK/disk.raw" "$WORK/$IMAGE"
t2=$(date +%s)

(cd "$WORK" && sha512sum "$IMAGE" >SHA512SUMS)
SHA512=$(cut -d' ' -f1 "$WORK/SHA512SUMS")
SIZE=$(stat -c %s "$WORK/$IMAGE")
mv -f "$WORK/$IMAGE" "$WORK/SHA512SUMS" "$CACHE_DIR/"
cat >"$CACHE_DIR/manifest.json" <<JSON
{
  "image": "$CACHE_DIR/$IMAGE",
  "sums": "$CACHE_DIR/SHA512SUMS",
  "sha512": "$SHA512",
  "size": $SIZE,
  "buildSeconds": $((t2 - t0)),
  "debootstrapSeconds": $((t1 - t0)),
  "key": "$KEY"
}
JSON
log "built $IMAGE ($((SIZE / 1048576)) MiB) in $((t2 - t0)) s"
