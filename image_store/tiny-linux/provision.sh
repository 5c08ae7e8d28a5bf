#!/bin/sh
# Runs on the managed host once the disks exist, before the VM is defined.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

log_msg "provisioning $VM_NAME from $IMAGE (hostname $hostname, address $ip_address)"
# The guest reads its host name and address from the kernel command line (vm_conf.template);
# here we only check that the disk ConVirt prepared is a usable qcow2 image.
qemu-img info -U "$VDA_DISK" >/dev/null
log_msg "disk $VDA_DISK ready"
