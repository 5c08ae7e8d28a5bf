#!/usr/bin/env bash
# Builds the emulated Xen host of the test bed from Debian packages and caches it:
# the Xen hypervisor, a dom0 kernel + initramfs (Xen toolstack, sshd, bash, flock, losetup,
# the hotplug scripts, busybox, e2fsprogs' mke2fs and debugfs as on a Debian dom0, LVM's tools
# with device-mapper (no volume group: tests make one on a loop device)) and a PV guest
# initramfs for tiny guests (which can also switch to a root filesystem on a disk).
#
# Usage: build.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/xen-host
#
# Output in CACHE_DIR: xen.bin, vmlinuz, dom0-initrd.gz, manifest.json. The PV guest's kernel
# (the same generic kernel) and initramfs live INSIDE dom0, at the paths the manifest names.
# The key covers this folder's input files and the exact Debian package versions used; a build
# with an unchanged key is skipped. Per-run secrets (sshd host key, authorized client key) are
# NOT in the cache: xen-host.ts appends them to the initramfs for each run.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INPUTS=(build.sh dom0-init dom0-inittab sshd_config guest-init guest-inittab lvm.conf)
XEN=4.17
KERNEL_META=linux-image-amd64
# Packages taken whole (their libraries come from the host's copies, like the tiny VM's).
PACKAGES=("xen-hypervisor-$XEN-amd64" "xen-utils-$XEN" xen-utils-common xenstore-utils
	libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 "libxenmisc$XEN" libxenstore4
	libxentoollog1 libyajl2 libxenhypfs1 libxendevicemodel1 libxentoolcore1
	openssh-server bash util-linux mount busybox-static e2fsprogs
	lvm2 dmsetup libdevmapper1.02.1 libdevmapper-event1.02.1 libaio1)
# dom0 modules, in load order (no modules.dep in the package).
DOM0_MODULES=(xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-blkback xen-netback
	llc stp bridge tun e1000 loop dm-mod)
# ext4 and its helpers: for a root filesystem on a disk (convirt.root).
GUEST_MODULES=(xen-blkfront xen-netfront crc32c_generic crc16 mbcache jbd2 ext4)
ARCH_LIBDIR=usr/lib/x86_64-linux-gnu
GUEST_DIR=/var/lib/convirt-guest
FIXED_TIME=1700000000

log() { printf 'xen-host: %s\n' "$*" >&2; }
die() {
	printf 'xen-host: error: %s\n' "$*" >&2
	exit 1
}

CACHE_DIR=${1:-${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/xen-host}
[[ $CACHE_DIR == /* ]] || CACHE_DIR=$PWD/$CACHE_DIR
PARENT=$(dirname "$CACHE_DIR")
MANIFEST=$CACHE_DIR/manifest.json

for tool in apt-get apt-cache dpkg-deb ldd cpio gzip sha256sum flock; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# --- cache key ----------------------------------------------------------------

# Sets KPKG (the kernel package the meta package pins) and VERSIONS ("name=version" lines).
resolve_versions() {
	local out
	out=$(apt-cache show --no-all-versions "$KERNEL_META" "${PACKAGES[@]}" 2>/dev/null) || return 1
	KPKG=$(awk -v meta="$KERNEL_META" '/^Package: /{p=$2} p==meta && /^Depends: /{
		if (match($0, /linux-image-[0-9][^ ,]*-amd64/)) { print substr($0, RSTART, RLENGTH); exit } }' <<<"$out")
	[[ -n $KPKG ]] || return 1
	VERSIONS=$( {
		awk '/^Package: /{p=$2} /^Version: /{print p "=" $2}' <<<"$out" | grep -v "^$KERNEL_META="
		apt-cache show --no-all-versions "$KPKG" 2>/dev/null | awk '/^Version: /{print "'"$KPKG"'=" $2; exit}'
	} | sort -u)
	[[ $(wc -l <<<"$VERSIONS") -eq $((${#PACKAGES[@]} + 1)) ]]
}

cache_key() {
	{
		(cd "$HERE" && sha256sum "${INPUTS[@]}")
		echo "$VERSIONS"
	} | sha256sum | cut -d' ' -f1
}

UPDATED=
apt_update_once() {
	[[ -z $UPDATED ]] || return 1
	UPDATED=1
	log "apt-get update (package lists missing or stale)"
	apt-get -qq update >&2 || die "apt-get update failed"
}

if ! resolve_versions; then
	apt_update_once
	resolve_versions || die "apt does not know $KERNEL_META or one of: ${PACKAGES[*]}"
fi
KEY=$(cache_key)

mkdir -p "$PARENT" || die "cannot create $PARENT"
# One builder at a time; a waiting caller then finds the fresh cache.
exec 9>"$PARENT/.${CACHE_DIR##*/}.lock"
flock 9

if [[ -r $MANIFEST ]] && grep -q "\"key\": \"$KEY\"" "$MANIFEST"; then
	echo "Xen host: cached ($CACHE_DIR)"
	exit 0
fi

# --- build --------------------------------------------------------------------

start=$SECONDS
rm -rf "$PARENT/.${CACHE_DIR##*/}.build."*
WORK=$(mktemp -d "$PARENT/.${CACHE_DIR##*/}.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
chmod 0755 "$WORK"
DL=$WORK/dl X=$WORK/x OUT=$WORK/out
mkdir -p "$DL" "$X" "$OUT"

download() {
	(cd "$DL" && apt-get -qq -o APT::Sandbox::User=root download "$@") >&2
}
mapfile -t wanted <<<"$VERSIONS"
log "downloading ${#wanted[@]} packages ($KPKG ...)"
if ! download "${wanted[@]}"; then
	apt_update_once || die "apt-get download failed"
	resolve_versions || die "apt lost a package after apt-get update"
	mapfile -t wanted <<<"$VERSIONS"
	download "${wanted[@]}" || die "apt-get download failed"
fi
for deb in "$DL"/*.deb; do dpkg-deb -x "$deb" "$X"; done

vmlinuz=("$X"/boot/vmlinuz-*)
[[ -f ${vmlinuz[0]} ]] || die "no vmlinuz in $KPKG"
KREL=${vmlinuz[0]##*/vmlinuz-}
MODDIR=$X/lib/modules/$KREL
cp "${vmlinuz[0]}" "$OUT/vmlinuz"
XENGZ=$X/boot/xen-$XEN-amd64.gz
[[ -f $XENGZ ]] || die "no boot/xen-$XEN-amd64.gz in xen-hypervisor-$XEN-amd64"
# QEMU boots the multiboot ELF image, not the gzip.
zcat "$XENGZ" >"$OUT/xen.bin"
log "kernel $KREL, Xen $(sed -n "s/^xen-hypervisor-$XEN-amd64=//p" <<<"$VERSIONS")"

# A usrmerged tree: /bin, /sbin, /lib, /lib64 point into /usr.
new_root() {
	local r=$1
	mkdir -p "$r"/usr/{bin,sbin,lib,lib64} "$r"/{etc,proc,sys,dev,run,tmp,root,mnt,var/lib,var/log}
	ln -s usr/bin "$r/bin"
	ln -s usr/sbin "$r/sbin"
	ln -s usr/lib "$r/lib"
	ln -s usr/lib64 "$r/lib64"
	ln -s ../run "$r/var/run"
	ln -s ../run/lock "$r/var/lock"
	cp "$X/bin/busybox" "$r/usr/bin/busybox"
	ln -s busybox "$r/usr/bin/sh"
}

# Copies modules (plain .ko) into $1/lib/modules, writing their load order.
add_modules() {
	local r=$1 m ko
	shift
	mkdir -p "$r/lib/modules"
	: >"$r/lib/modules/load-order"
	for m in "$@"; do
		ko=$(find "$MODDIR/kernel" -name "$m.ko" -print -quit)
		if [[ -n $ko ]]; then
			cp "$ko" "$r/lib/modules/$m.ko"
			echo "$m" >>"$r/lib/modules/load-order"
		elif ! grep -Eq "/($m|${m//-/_})\.ko" "$MODDIR/modules.builtin"; then
			die "module $m is neither in $KPKG nor built in"
		fi
	done
}

# Copies every shared library the ELF files under $1 need: the downloaded packages' copies
# first, else the host's (libc, OpenSSL, ...), both from Debian packages.
add_libraries() {
	local r=$1 f out lib dest
	local search="$X/$ARCH_LIBDIR:$X/lib/x86_64-linux-gnu"
	local -A seen=()
	while IFS= read -r -d '' f; do
		[[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] || continue
		out=$(LD_LIBRARY_PATH=$search ldd "$f" 2>/dev/null) || continue
		if grep 'not found' <<<"$out" >&2; then die "libraries of ${f#"$r"} are missing (above)"; fi
		for lib in $(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$out"); do
			[[ -z ${seen[$lib]:-} ]] || continue
			seen[$lib]=1
			dest=${lib#"$X"}
			dest=/usr${dest#/usr}
			mkdir -p "$r$(dirname "$dest")"
			cp -L "$lib" "$r$dest"
		done
	done < <(find "$r/usr" -type f -perm -u+x -print0)
}

pack() { # $1 = root, $2 = output .gz; reproducible: fixed times, sorted names
	find "$1" -exec touch -h -d "@$FIXED_TIME" {} +
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) | gzip -6n >"$2"
}

log "assembling the PV guest initramfs"
G=$WORK/guest
new_root "$G"
install -m 0755 "$HERE/guest-init" "$G/init"
install -m 0644 "$HERE/guest-inittab" "$G/etc/inittab"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$G/etc/passwd"
printf 'root:x:0:\n' >"$G/etc/group"
add_modules "$G" "${GUEST_MODULES[@]}"
GUEST_INITRD=$WORK/guest-initrd.gz
pack "$G" "$GUEST_INITRD"

log "assembling the dom0 initramfs"
R=$WORK/dom0
new_root "$R"
install -m 0755 "$HERE/dom0-init" "$R/init"
install -m 0644 "$HERE/dom0-inittab" "$R/etc/inittab"
XBIN=usr/lib/xen-$XEN/bin
mkdir -p "$R/$XBIN" "$R/etc/ssh" "$R/run/sshd" "$R/var/empty" "$R/var/lib/xen/images" "$R/root/.ssh"
for b in xl xentop xenstored xenconsoled xenconsole xen-init-dom0 libxl-save-helper; do
	cp "$X/$XBIN/$b" "$R/$XBIN/$b"
	# The packages' own /usr/sbin entries go through a wrapper that guesses the version.
	case $b in xl | xentop) ln -s "../lib/xen-$XEN/bin/$b" "$R/usr/sbin/$b" ;; esac
done
cp -a "$X"/usr/bin/xenstore* "$R/usr/bin/"
rm -f "$R/usr/bin/xenstore-control"
cp -a "$X/etc/xen" "$R/etc/xen"
cp "$X/bin/bash" "$R/usr/bin/bash"
cp "$X/usr/bin/flock" "$R/usr/bin/flock"
cp "$X/sbin/losetup" "$R/usr/sbin/losetup"
cp "$X/usr/sbin/sshd" "$R/usr/sbin/sshd"
# Filesystems made from a root tarball (mkfs -d), as a Debian dom0 (e2fsprogs is required there) does.
cp "$X/sbin/mke2fs" "$X/sbin/debugfs" "$R/usr/sbin/"
for fs in ext2 ext3 ext4; do ln -s mke2fs "$R/usr/sbin/mkfs.$fs"; done
cp "$X/etc/mke2fs.conf" "$R/etc/mke2fs.conf"
# LVM-backed disks (disk_backend = lvm): lvm's commands are links to the one binary.
cp "$X/sbin/lvm" "$X/sbin/dmsetup" "$R/usr/sbin/"
for c in lvcreate lvremove lvs lvchange pvcreate pvremove pvs vgcreate vgremove vgs vgchange; do
	ln -s lvm "$R/usr/sbin/$c"
done
install -D -m 0644 "$HERE/lvm.conf" "$R/etc/lvm/lvm.conf"
install -m 0644 "$HERE/sshd_config" "$R/etc/ssh/sshd_config"
cp "$X/etc/ssh/moduli" "$R/etc/ssh/moduli"
# glibc loads libgcc_s at run time (thread cancellation): without it `xl create` aborts.
mkdir -p "$R/$ARCH_LIBDIR"
cp -L "/$ARCH_LIBDIR/libgcc_s.so.1" "$R/$ARCH_LIBDIR/" 2>/dev/null ||
	cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$R/$ARCH_LIBDIR/" || die "no libgcc_s.so.1 on this host"
printf 'root:x:0:0:root:/root:/bin/sh\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\n' >"$R/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$R/etc/group"
printf 'passwd: files\ngroup: files\nshadow: files\n' >"$R/etc/nsswitch.conf"
# root without a password hash: key logins only.
printf 'root:*:19000:0:99999:7:::\nsshd:*:19000:0:99999:7:::\n' >"$R/etc/shadow"
chmod 0600 "$R/etc/shadow"
printf 'xenhost\n' >"$R/etc/hostname"
add_modules "$R" "${DOM0_MODULES[@]}"
add_libraries "$R"
[[ -e $R/usr/lib64/ld-linux-x86-64.so.2 ]] || die "dynamic loader missing from the dom0 initramfs"
# The PV guest's kernel and initramfs, for `kernel=` and `ramdisk=` in xl configs.
mkdir -p "$R$GUEST_DIR"
cp "$OUT/vmlinuz" "$R$GUEST_DIR/vmlinuz"
cp "$GUEST_INITRD" "$R$GUEST_DIR/initrd.gz"
log "packing dom0-initrd.gz"
pack "$R" "$OUT/dom0-initrd.gz"

json_str() {
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}
cat >"$OUT/manifest.json" <<JSON
{
  "xen": $(json_str "$CACHE_DIR/xen.bin"),
  "kernel": $(json_str "$CACHE_DIR/vmlinuz"),
  "initrd": $(json_str "$CACHE_DIR/dom0-initrd.gz"),
  "kernelVersion": $(json_str "$KREL"),
  "xenPackageVersion": $(json_str "$(sed -n "s/^xen-hypervisor-$XEN-amd64=//p" <<<"$VERSIONS")"),
  "guestKernel": $(json_str "$GUEST_DIR/vmlinuz"),
  "guestInitrd": $(json_str "$GUEST_DIR/initrd.gz"),
  "key": $(json_str "$KEY")
}
JSON
find "$OUT" -type d -exec chmod 0755 {} +
find "$OUT" -type f -exec chmod 0644 {} +

log "installing into $CACHE_DIR"
if [[ -e $CACHE_DIR ]]; then mv "$CACHE_DIR" "$WORK/old"; fi
mv "$OUT" "$CACHE_DIR"
log "done in $((SECONDS - start)) s: dom0 initramfs $(du -h "$CACHE_DIR/dom0-initrd.gz" | cut -f1)"
echo "Xen host: built ($CACHE_DIR)"
