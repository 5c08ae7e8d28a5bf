#!/bin/sh
# The after-install work every ConVirt package shares (installed as
# /usr/share/convirt/lib/convirt-setup and called by each distribution's hooks):
#
#   convirt-setup configure [COMMAND:PACKAGE ...]
#     creates /var/cache/convirt/{image_store,appliance_store,install} and /var/log/convirt,
#     copies the shipped image and appliance stores there WITHOUT overwriting what is there
#     (an operator's edited or own appliances survive upgrades), sets provision.sh to 0744,
#     and names each COMMAND that is not installed with the PACKAGE that provides it.
#
# CONVIRT_ROOT (default: empty, the real root) lets tests run the hooks in a scratch folder.
# POSIX sh and busybox-compatible commands only: the hooks also run in minimal roots.
set -e

root="${CONVIRT_ROOT:-}"
share="$root/usr/share/convirt"
cache="$root/var/cache/convirt"

# Copies the files of $1 missing from $2; never replaces an existing file.
copy_missing() {
	src="$1"
	dst="$2"
	[ -d "$src" ] || return 0
	(cd "$src" && find . -type d) | while IFS= read -r dir; do
		mkdir -p "$dst/$dir"
	done
	(cd "$src" && find . ! -type d) | while IFS= read -r file; do
		if [ ! -e "$dst/$file" ] && [ ! -L "$dst/$file" ]; then
			cp -p "$src/$file" "$dst/$file"
		fi
	done
}

# Names what is missing; never fails the installation (the dependencies cover what is required).
check_prerequisites() {
	missing=""
	for pair in "$@"; do
		command="${pair%%:*}"
		package="${pair#*:}"
		if ! command -v "$command" >/dev/null 2>&1; then
			missing="$missing $package"
			echo "convirt: '$command' is not installed (package $package)."
		fi
	done
	if command -v node >/dev/null 2>&1; then
		echo "convirt: runs on Node.js $(node --version)."
	else
		echo "convirt: 'node' is not installed: ConVirt cannot start without Node.js."
	fi
	if [ -n "$missing" ]; then
		echo "convirt: to install what is missing:$missing"
	fi
}

configure() {
	for dir in image_store appliance_store install; do
		mkdir -p "$cache/$dir"
	done
	mkdir -p "$root/var/log/convirt"
	copy_missing "$share/image_store" "$cache/image_store"
	copy_missing "$share/appliance_store" "$cache/appliance_store"
	find "$cache/image_store" -name provision.sh -type f -exec chmod 0744 {} +
	check_prerequisites "$@"
}

case "$1" in
configure)
	shift
	configure "$@"
	;;
*)
	echo "usage: convirt-setup configure [COMMAND:PACKAGE ...]" >&2
	exit 2
	;;
esac
