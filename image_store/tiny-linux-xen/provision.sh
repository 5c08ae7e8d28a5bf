#!/bin/sh
# Runs in dom0 once the disk exists, before the xl config is written to /etc/xen.
# provision.sh -x vm_config -p params -s store -i image -l log -c image.conf
set -eu
. "$(dirname "$0")/../common/defs"
. "$(dirname "$0")/../common/functions"
parse_provision_args "$@"

log_msg "provisioning $VM_NAME from $IMAGE (hostname $hostname, address $ip_address)"
# The guest reads its host name and address from the kernel command line (vm_conf.template);
# here we check that the disk ConVirt prepared is there and the size asked for.
[ -f "$XVDA_DISK" ] || { log_msg "no disk $XVDA_DISK"; exit 1; }
log_msg "disk $XVDA_DISK ready ($(stat -c %s "$XVDA_DISK") bytes)"
