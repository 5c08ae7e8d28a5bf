#!/bin/sh
# Runs in dom0 once the disks are made and filled, before the xl config is written to /etc/xen.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

log_msg "provisioning $VM_NAME from $IMAGE: root tree on $XVDA_DISK, swap on $XVDB_DISK"
# The filesystem must carry the tree the hooks wrote: read it without mounting anything.
debugfs -R 'cat /etc/hostname' "$XVDA_DISK" 2>/dev/null | grep -qx "$hostname"
log_msg "root filesystem ready (hostname $hostname)"
