#!/bin/sh
# Runs on the managed host once the disk has been filled, before the VM is defined.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

log_msg "provisioning $VM_NAME from $IMAGE: root tree on $VDA_DISK"
# The filesystem must carry the tree: check one file without mounting anything.
debugfs -R 'stat /etc/hostname' "$VDA_DISK" 2>/dev/null | grep -q 'Type: regular'
log_msg "root filesystem ready (hostname $hostname)"
