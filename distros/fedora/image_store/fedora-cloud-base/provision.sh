#!/bin/sh
# Runs on the managed host once the overlay on the cached cloud image and the cloud-init seed
# exist, before the VM is defined.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

log_msg "provisioning $VM_NAME from $IMAGE"
qemu-img info -U "$VDA_DISK" >/dev/null
log_msg "disk $VDA_DISK ready; cloud-init configures the guest on its first boot"
