#!/usr/bin/env bash
# Builds the tiny VM fixture (kernel, initramfs with busybox + qemu-ga, a small
# ext4 data disk) from Debian packages, and caches it.
#
# Usage: build.sh [CACHE_DIR]
#   CACHE_DIR defaults to ${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/tiny-vm
#
# Output in CACHE_DIR: vmlinuz, initrd.img, data.qcow2, manifest.json:
#   {"kernel": ABS, "initrd": ABS, "dataDisk": ABS, "kernelVersion": "6.1.0-N-cloud-amd64", "key": SHA256}
# The key covers this folder's input files and the exact Debian package
# versions used; a build with an unchanged key is skipped.
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Files that shape the fixture (smoke.sh does not).
INPUTS=(build.sh init shutdown inittab profile)
# Load order for the guest; ext4 and its helpers are built into the cloud
# kernel, but are listed in case a kernel ships them as modules.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio_console failover net_failover virtio_net virtio_blk crc16 mbcache jbd2 ext4)
KERNEL_META=linux-image-cloud-amd64
ARCH_LIBDIR=/lib/x86_64-linux-gnu
DATA_DISK_SIZE=64M
HELLO_TEXT='convirt tiny vm data disk'
DATA_DISK_UUID=00000000-0000-4000-8000-00000000c0de
FIXED_TIME=1700000000

log() { printf 'tiny-vm: %s\n' "$*" >&2; }
die() {
	printf 'tiny-vm: error: %s\n' "$*" >&2
	exit 1
}

CACHE_DIR=${1:-${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/tiny-vm}
[[ $CACHE_DIR == /* ]] || CACHE_DIR=$PWD/$CACHE_DIR
CACHE_DIR=$(realpath -m "$CACHE_DIR")
case $CACHE_DIR/ in
/root/*) die "$CACHE_DIR is under /root, which libvirt's QEMU user cannot read" ;;
esac
PARENT=$(dirname "$CACHE_DIR")
MANIFEST=$CACHE_DIR/manifest.json
# Package versions the current build used, and the state of apt/dpkg they
# were read from (see fingerprint()).
MEMO=$CACHE_DIR/.inputs

for tool in apt-get apt-cache dpkg-deb dpkg-query ldd cpio gzip mkfs.ext4 debugfs qemu-img sha256sum flock; do
	command -v "$tool" >/dev/null || die "missing tool: $tool"
done

# --- cache key ----------------------------------------------------------------

files_hash() { (cd "$HERE" && sha256sum "${INPUTS[@]}"); }

# Candidate and installed versions only change with these files. Asking apt
# takes about a second here (its binary cache is disabled, as in Debian's
# container images), stat-ing them takes milliseconds.
fingerprint() {
	{
		stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* /var/lib/dpkg/status \
			/etc/apt/sources.list /etc/apt/sources.list.d/* \
			/etc/apt/preferences /etc/apt/preferences.d/* 2>/dev/null || true
	} | sha256sum | cut -d' ' -f1
}

# Sets KPKG KVER BBVER QGAVER from apt's candidates. Returns 1 if apt does not
# know the packages (no lists yet).
resolve_candidates() {
	local out
	out=$(apt-cache show --no-all-versions "$KERNEL_META" busybox-static qemu-guest-agent 2>/dev/null) || return 1
	# The meta package pins its kernel exactly: "linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)".
	read -r KPKG KVER < <(awk -v meta="$KERNEL_META" '
		/^Package: / { p = $2 }
		p == meta && /^Depends: / {
			if (match($0, /linux-image-[^ ,]*-cloud-amd64 \(= [^)]*\)/)) {
				s = substr($0, RSTART, RLENGTH); gsub(/[(=)]/, "", s); print s; exit
			}
		}' <<<"$out")
	BBVER=$(awk '/^Package: /{p=$2} p=="busybox-static" && /^Version: /{print $2; exit}' <<<"$out")
	QGAVER=$(awk '/^Package: /{p=$2} p=="qemu-guest-agent" && /^Version: /{print $2; exit}' <<<"$out")
	[[ -n ${KPKG:-} && -n ${KVER:-} && -n $BBVER && -n $QGAVER ]]
}

# Version of a package the fixture took files from: the host's installed copy,
# or else (for library packages downloaded because the host lacks them) apt's candidate.
package_version() {
	local v
	v=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}' "$1" 2>/dev/null) || v=
	if [[ $v == ii* ]]; then
		echo "${v#*|}"
	else
		apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^Version: /{print $2; exit}'
	fi
}

# "name=version" lines for the packages in the memo, freshly resolved.
current_versions_from_memo() {
	resolve_candidates || return 1
	printf '%s=%s\n' "$KPKG" "$KVER" busybox-static "$BBVER" qemu-guest-agent "$QGAVER"
	local p
	sed -n 's/^lib //p' "$MEMO" | while read -r p; do
		printf '%s=%s\n' "$p" "$(package_version "$p")"
	done
}

cache_key() { { files_hash; sort -u; } | sha256sum | cut -d' ' -f1; }

manifest_key() { sed -n 's/^ *"key": *"\([0-9a-f]*\)".*/\1/p' "$MANIFEST" 2>/dev/null; }

write_memo() { # $1 = target file, stdin = "name=version" lines; lib packages get a "lib NAME" line too
	local lines
	lines=$(cat)
	{
		echo "fingerprint $(fingerprint)"
		sed 's/^/pkg /' <<<"$lines"
		printf '%s\n' "${LIB_PKGS[@]}" | sed '/^$/d; s/^/lib /'
	} >"$1.tmp.$$"
	chmod 0644 "$1.tmp.$$"
	mv -f "$1.tmp.$$" "$1"
}

# Prints the cached key if it still matches, else nothing.
cached() {
	local f
	for f in "$MANIFEST" "$MEMO" "$CACHE_DIR"/{vmlinuz,initrd.img,data.qcow2}; do
		[[ -r $f ]] || return 0
	done
	local want versions
	want=$(manifest_key)
	[[ -n $want ]] || return 0
	if [[ $(sed -n 's/^fingerprint //p' "$MEMO") == "$(fingerprint)" ]]; then
		versions=$(sed -n 's/^pkg //p' "$MEMO")
	else
		log "apt/dpkg state changed: re-reading package versions"
		versions=$(current_versions_from_memo) || return 0
		if [[ $(cache_key <<<"$versions") == "$want" ]]; then
			# Same packages: remember the new state so the next check is fast again.
			mapfile -t LIB_PKGS < <(sed -n 's/^lib //p' "$MEMO")
			write_memo "$MEMO" <<<"$versions"
		fi
	fi
	[[ $(cache_key <<<"$versions") == "$want" ]] && echo "$want"
	return 0
}

mkdir -p "$PARENT" || die "cannot create $PARENT"
# One builder at a time; a waiting caller then finds the fresh cache.
exec 9>"$PARENT/.${CACHE_DIR##*/}.lock"
flock 9

if [[ -n $(cached) ]]; then
	echo "tiny VM fixture: cached ($CACHE_DIR)"
	exit 0
fi

# --- build --------------------------------------------------------------------

start=$SECONDS
# libvirt runs QEMU as libvirt-qemu, which must reach the files (we make them 0644).
if id -u libvirt-qemu >/dev/null 2>&1 && command -v runuser >/dev/null; then
	runuser -u libvirt-qemu -- test -x "$PARENT" ||
		die "libvirt-qemu cannot enter $PARENT: make it and its parents world-executable, or pick another CACHE_DIR"
fi
# We hold the lock: build dirs left by a killed build are stale.
rm -rf "$PARENT/.${CACHE_DIR##*/}.build."*
# Beside CACHE_DIR, so the result can be renamed into place.
WORK=$(mktemp -d "$PARENT/.${CACHE_DIR##*/}.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM
chmod 0755 "$WORK"
DL=$WORK/dl X=$WORK/x ROOT=$WORK/root OUT=$WORK/out
mkdir -p "$DL" "$X" "$ROOT" "$OUT"
LIB_PKGS=()

# apt-get download, running "apt-get update" once if the lists are missing or stale.
UPDATED=
apt_update_once() {
	[[ -z $UPDATED ]] || return 1
	UPDATED=1
	log "apt-get update (package lists missing or stale)"
	apt-get -qq update >&2 || die "apt-get update failed"
}
download() {
	# Sandbox user root: _apt cannot write into our temp dir anyway.
	(cd "$DL" && apt-get -qq -o APT::Sandbox::User=root download "$@") >&2
}

log "resolving package versions"
if ! resolve_candidates; then
	apt_update_once
	resolve_candidates || die "apt does not know $KERNEL_META, busybox-static or qemu-guest-agent"
fi
log "downloading $KPKG=$KVER busybox-static=$BBVER qemu-guest-agent=$QGAVER"
if ! download "$KPKG=$KVER" "busybox-static=$BBVER" "qemu-guest-agent=$QGAVER"; then
	apt_update_once || die "apt-get download failed"
	resolve_candidates || die "apt does not know $KERNEL_META, busybox-static or qemu-guest-agent"
	download "$KPKG=$KVER" "busybox-static=$BBVER" "qemu-guest-agent=$QGAVER" || die "apt-get download failed"
fi

log "extracting packages"
deb_of() { local f=("$DL/$1"_*.deb); [[ -f ${f[0]} ]] || die "no .deb for $1"; echo "${f[0]}"; }
dpkg-deb -x "$(deb_of "$KPKG")" "$X/kernel"
dpkg-deb -x "$(deb_of busybox-static)" "$X/busybox"
dpkg-deb -x "$(deb_of qemu-guest-agent)" "$X/qga"

vmlinuz=("$X"/kernel/boot/vmlinuz-*)
[[ -f ${vmlinuz[0]} ]] || die "no vmlinuz in $KPKG"
KREL=${vmlinuz[0]##*/vmlinuz-}
MODDIR=$X/kernel/lib/modules/$KREL
[[ -d $MODDIR ]] || die "no modules for $KREL in $KPKG"
log "kernel $KREL"
cp "${vmlinuz[0]}" "$OUT/vmlinuz"

log "assembling initramfs"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,run,tmp,var,root,mnt/data,lib/modules,lib64,"${ARCH_LIBDIR#/}"}
cp "$X/busybox/bin/busybox" "$ROOT/bin/busybox"
# /init's interpreter; /init installs the other applets at boot.
ln -s busybox "$ROOT/bin/sh"
install -m 0755 "$HERE/init" "$ROOT/init"
install -m 0755 "$HERE/shutdown" "$ROOT/sbin/shutdown"
install -m 0644 "$HERE/inittab" "$ROOT/etc/inittab"
install -m 0644 "$HERE/profile" "$ROOT/etc/profile"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$ROOT/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' >"$ROOT/etc/group"
# For "virsh guestinfo --os" (guest-get-osinfo).
cat >"$ROOT/etc/os-release" <<EOF
NAME="ConVirt tiny VM"
ID=convirt-tiny
ID_LIKE=debian
VERSION_ID=1
PRETTY_NAME="ConVirt tiny VM (busybox, Debian kernel $KREL)"
EOF
install -m 0755 "$X/qga/usr/sbin/qemu-ga" "$ROOT/usr/sbin/qemu-ga"

# Shared libraries of qemu-ga: the host's copies; if the host lacks some,
# extract Debian's library packages (never install qemu-guest-agent itself).
LIBROOT=$X/libs
lib_path() { echo "$LIBROOT$ARCH_LIBDIR:$LIBROOT/usr$ARCH_LIBDIR"; }
ldd_out=$(LD_LIBRARY_PATH=$(lib_path) ldd "$ROOT/usr/sbin/qemu-ga") || die "ldd qemu-ga failed"
if grep -q 'not found' <<<"$ldd_out"; then
	log "host lacks some of qemu-ga's libraries: extracting Debian's library packages"
	mapfile -t libdebs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances qemu-guest-agent 2>/dev/null |
		awk '/^[a-z0-9]/ && /^lib/ && !/^libc6$/ && !seen[$0]++')
	((${#libdebs[@]})) || die "cannot list qemu-guest-agent's library packages"
	download "${libdebs[@]}" || die "apt-get download of ${libdebs[*]} failed"
	for p in "${libdebs[@]}"; do dpkg-deb -x "$(deb_of "$p")" "$LIBROOT"; done
	ldd_out=$(LD_LIBRARY_PATH=$(lib_path) ldd "$ROOT/usr/sbin/qemu-ga") || die "ldd qemu-ga failed"
fi
if grep 'not found' <<<"$ldd_out" >&2; then die "qemu-ga's libraries are still missing (above)"; fi
# The package a host library came from; usrmerge means dpkg may know it under /lib or /usr/lib.
owner_of() {
	local p=$1 r c o
	r=$(readlink -f "$p")
	for c in "$p" "/usr$p" "${p#/usr}" "$r" "/usr$r" "${r#/usr}"; do
		o=$(dpkg-query -S "$c" 2>/dev/null | sed -n '1s/: .*//p') || true
		[[ -n $o ]] && echo "$o" && return 0
	done
	return 1
}
libs=$(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$ldd_out" | sort -u)
for lib in $libs; do
	# Downloaded libraries go where their package puts them.
	dest=${lib#"$LIBROOT"}
	mkdir -p "$ROOT$(dirname "$dest")"
	cp -L "$lib" "$ROOT$dest"
	if [[ $dest == "$lib" ]]; then
		owner=$(owner_of "$lib") || die "no Debian package owns $lib"
		LIB_PKGS+=("$owner")
	else
		for deb in "$DL"/*.deb; do
			if dpkg-deb -c "$deb" | grep -E "/${dest##*/}( -> |\$)" >/dev/null; then LIB_PKGS+=("$(dpkg-deb -f "$deb" Package)"); fi
		done
	fi
done
[[ -e $ROOT/lib64/ld-linux-x86-64.so.2 ]] || die "dynamic loader missing from the initramfs"
mapfile -t LIB_PKGS < <(printf '%s\n' "${LIB_PKGS[@]}" | sort -u)
log "qemu-ga libraries from: ${LIB_PKGS[*]}"

: >"$ROOT/lib/modules/load-order"
loaded=() builtin=()
for m in "${MODULES[@]}"; do
	# Module files use - or _ interchangeably.
	ko=$(find "$MODDIR/kernel" \( -name "$m.ko" -o -name "${m//_/-}.ko" \) -print -quit)
	if [[ -n $ko ]]; then
		cp "$ko" "$ROOT/lib/modules/$m.ko"
		echo "$m" >>"$ROOT/lib/modules/load-order"
		loaded+=("$m")
	elif grep -Eq "/($m|${m//_/-})\.ko" "$MODDIR/modules.builtin"; then
		builtin+=("$m")
	elif [[ -n $(find "$MODDIR/kernel" -name "$m.ko.*" -print -quit) ]]; then
		die "module $m is compressed; busybox insmod needs plain .ko files"
	else
		log "module $m: not in $KREL, skipped"
	fi
done
log "modules: ${loaded[*]}; built in: ${builtin[*]:-none}"

log "packing initrd.img"
# Reproducible: fixed times and inode numbers, sorted names.
find "$ROOT" -exec touch -h -d "@$FIXED_TIME" {} +
(cd "$ROOT" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null --create --format=newc --owner=0:0 --reproducible --quiet) | gzip -9n >"$OUT/initrd.img"

log "creating data.qcow2 ($DATA_DISK_SIZE ext4 with hello.txt)"
# Byte-identical on every build (fixed UUID, hash seed and times): overlays
# made on an earlier build's data.qcow2 stay valid after a rebuild.
mkdir "$WORK/data"
printf '%s\n' "$HELLO_TEXT" >"$WORK/data/hello.txt"
touch -d "@$FIXED_TIME" "$WORK/data/hello.txt" "$WORK/data"
truncate -s "$DATA_DISK_SIZE" "$WORK/data.raw"
E2FSPROGS_FAKE_TIME=$FIXED_TIME mkfs.ext4 -q -F -L convirt-data -U "$DATA_DISK_UUID" \
	-E "root_owner=0:0,hash_seed=$DATA_DISK_UUID" -d "$WORK/data" "$WORK/data.raw" >&2 ||
	die "mkfs.ext4 failed"
# mkfs copies the source's ctime, which cannot be set beforehand.
printf 'set_inode_field %s ctime @%s\n' / "$FIXED_TIME" /hello.txt "$FIXED_TIME" |
	E2FSPROGS_FAKE_TIME=$FIXED_TIME debugfs -w -f - "$WORK/data.raw" >/dev/null 2>&1 || die "debugfs failed"
qemu-img convert -q -f raw -O qcow2 "$WORK/data.raw" "$OUT/data.qcow2" || die "qemu-img convert failed"

versions=$(printf '%s=%s\n' "$KPKG" "$KVER" busybox-static "$BBVER" qemu-guest-agent "$QGAVER"
	for p in "${LIB_PKGS[@]}"; do printf '%s=%s\n' "$p" "$(package_version "$p")"; done)
KEY=$(cache_key <<<"$versions")

json_str() { # minimal JSON string escaping (paths and versions)
	local s=${1//\\/\\\\}
	printf '"%s"' "${s//\"/\\\"}"
}
cat >"$OUT/manifest.json" <<EOF
{
  "kernel": $(json_str "$CACHE_DIR/vmlinuz"),
  "initrd": $(json_str "$CACHE_DIR/initrd.img"),
  "dataDisk": $(json_str "$CACHE_DIR/data.qcow2"),
  "kernelVersion": $(json_str "$KREL"),
  "key": $(json_str "$KEY")
}
EOF
write_memo "$OUT/.inputs" <<<"$versions"

find "$OUT" -type d -exec chmod 0755 {} +
find "$OUT" -type f -exec chmod 0644 {} +

log "installing into $CACHE_DIR"
if [[ -e $CACHE_DIR ]]; then mv "$CACHE_DIR" "$WORK/old"; fi
mv "$OUT" "$CACHE_DIR"

log "done in $((SECONDS - start)) s: initrd $(du -h "$CACHE_DIR/initrd.img" | cut -f1), kernel $(du -h "$CACHE_DIR/vmlinuz" | cut -f1)"
echo "tiny VM fixture: built ($CACHE_DIR)"
