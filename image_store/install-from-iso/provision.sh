#!/bin/sh
# Runs on the managed host once the empty disk exists: checks that the ISO is there.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

if [ ! -r "$iso" ]; then
	log_msg "no ISO at $iso: upload it first (convirtctl iso upload)"
	exit 1
fi
log_msg "$VM_NAME will boot $iso"
