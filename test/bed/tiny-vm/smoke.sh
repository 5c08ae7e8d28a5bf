#!/usr/bin/env bash
# Proves the tiny VM fixture works under libvirt (qemu:///system, TCG): boot,
# guest agent, fixed address, hostname, data disk, quiesced disk-only snapshot,
# filesystem freeze, agent shutdown. Prints seconds from "virsh start" to the
# first guest-ping answer.
#
# Usage: smoke.sh [CACHE_DIR]   (passed on to build.sh)
set -euo pipefail
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NAME=cvtest-smoke-$$
IMAGES=/var/lib/libvirt/images
DISK=$IMAGES/$NAME.qcow2
SNAP=$IMAGES/$NAME-s1.qcow2
export LIBVIRT_DEFAULT_URI=qemu:///system

log() { printf 'smoke: %s\n' "$*" >&2; }
die() {
	printf 'smoke: FAIL: %s\n' "$*" >&2
	exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# virsh prints a harmless polkit warning on stderr as root; keep it quiet.
# (Not -q: that also drops messages such as "Froze 1 filesystem(s)".)
vsh() { virsh "$@" 2>/dev/null; }
agent() { vsh qemu-agent-command "$NAME" "$1"; }

TMP=$(mktemp -d)
cleanup() {
	if virsh domstate "$NAME" >/dev/null 2>&1; then
		virsh destroy "$NAME" >/dev/null 2>&1 || true
		virsh undefine "$NAME" >/dev/null 2>&1 || true
	fi
	rm -f "$DISK" "$SNAP"
	rm -rf "$TMP"
}
trap cleanup EXIT

"$HERE/build.sh" "$@"
CACHE_DIR=${1:-${CONVIRT_TESTBED_CACHE:-/var/cache/convirt-testbed}/tiny-vm}
manifest_get() { sed -n "s/^ *\"$1\": *\"\\(.*\\)\",\\{0,1\\}\$/\\1/p" "$CACHE_DIR/manifest.json"; }
KERNEL=$(manifest_get kernel)
INITRD=$(manifest_get initrd)
DATA=$(manifest_get dataDisk)
[[ -r $KERNEL && -r $INITRD && -r $DATA ]] || die "manifest.json points at missing files"

# No systemd here: start the daemons if nobody did.
pgrep -x virtlogd >/dev/null || virtlogd -d
pgrep -x libvirtd >/dev/null || { libvirtd -d && sleep 1; }

mkdir -p "$IMAGES"
qemu-img create -q -f qcow2 -b "$DATA" -F qcow2 "$DISK"
cat >"$TMP/domain.xml" <<EOF
<domain type='qemu'>
  <name>$NAME</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
    <kernel>$KERNEL</kernel>
    <initrd>$INITRD</initrd>
    <cmdline>console=ttyS0 convirt.hostname=smoke</cmdline>
  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='$DISK'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='user'><model type='virtio'/></interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
  </devices>
</domain>
EOF
virsh define "$TMP/domain.xml" >/dev/null 2>&1 || die "virsh define failed: $(virsh define "$TMP/domain.xml" 2>&1)"

t0=$(now)
vsh start "$NAME" >/dev/null || die "virsh start failed: $(virsh start "$NAME" 2>&1)"
log "virsh start returned after $(since "$t0") s"
until agent '{"execute":"guest-ping"}' >/dev/null; do
	awk -v a="$t0" -v b="$(now)" 'BEGIN { exit !(b - a > 90) }' && die "no guest-ping answer within 90 s"
	sleep 0.2
done
boot=$(since "$t0")
log "guest-ping answered ${boot} s after virsh start"

# (Output is captured before grep -q: with pipefail, virsh's SIGPIPE would fail the check.)
out=$(vsh domifaddr "$NAME" --source agent) || die "domifaddr --source agent failed"
grep -q ' 10\.0\.2\.15/' <<<"$out" || die "domifaddr --source agent lacks 10.0.2.15: $out"
log "domifaddr --source agent shows 10.0.2.15"

out=$(agent '{"execute":"guest-get-host-name"}') || die "guest-get-host-name failed"
grep -q '"host-name":"smoke"' <<<"$out" || die "guest-get-host-name: $out"
log "guest hostname is smoke"

# Read the data disk's file through the agent: proves /dev/vda is mounted.
handle=$(agent '{"execute":"guest-file-open","arguments":{"path":"/mnt/data/hello.txt"}}' |
	sed -n 's/.*"return":\([0-9]*\).*/\1/p') || true
[[ -n $handle ]] || die "cannot open /mnt/data/hello.txt in the guest"
b64=$(agent "{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":$handle}}" |
	sed -n 's/.*"buf-b64":"\([^"]*\)".*/\1/p') || true
agent "{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":$handle}}" >/dev/null
[[ $(base64 -d <<<"$b64") == 'convirt tiny vm data disk' ]] || die "hello.txt reads '$(base64 -d <<<"$b64")'"
log "/mnt/data/hello.txt holds the expected text"

out=$(vsh domfsfreeze "$NAME") || die "domfsfreeze failed"
grep -q 'Froze 1 filesystem' <<<"$out" || die "domfsfreeze: $out"
out=$(vsh domfsthaw "$NAME") || die "domfsthaw failed"
grep -q 'Thawed 1 filesystem' <<<"$out" || die "domfsthaw: $out"
log "domfsfreeze/domfsthaw: 1 filesystem"

out=$(virsh snapshot-create-as "$NAME" s1 --disk-only --quiesce --atomic --no-metadata \
	--diskspec "vda,snapshot=external,file=$SNAP" 2>&1) || die "snapshot-create-as: $out"
out=$(vsh domblklist "$NAME") || die "domblklist failed"
grep -q "$SNAP" <<<"$out" || die "vda is not on $SNAP after the snapshot: $out"
log "quiesced disk-only snapshot: vda now on ${SNAP##*/}"

t1=$(now)
vsh shutdown "$NAME" --mode agent >/dev/null || die "virsh shutdown --mode agent failed"
until [[ $(vsh domstate "$NAME") == "shut off"* ]]; do
	awk -v a="$t1" -v b="$(now)" 'BEGIN { exit !(b - a > 15) }' &&
		die "still $(vsh domstate "$NAME" | head -1) 15 s after shutdown --mode agent"
	sleep 0.2
done
log "shut off $(since "$t1") s after shutdown --mode agent"

echo "smoke: OK boot-to-guest-ping ${boot}s"
