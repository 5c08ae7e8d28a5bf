#!/bin/sh
# After install of the bundled-Electron deb or rpm (electron-builder puts the app in /opt/ConVirt):
# the same layout and hook as the distribution packages. /usr/share/convirt points into the app,
# /etc/convirt.conf is installed only when absent (an operator's file is never replaced).
set -e
resources=/opt/ConVirt/resources
mkdir -p /usr/share/convirt
for dir in image_store appliance_store doc lib bin; do
	ln -sfn "$resources/$dir" "/usr/share/convirt/$dir"
done
chmod 0755 "$resources/lib/convirt-setup" "$resources/bin/convirtctl"
if [ ! -e /etc/convirt.conf ]; then
	if [ -f /etc/debian_version ]; then distro=ubuntu
	elif grep -qi suse /etc/os-release 2>/dev/null; then distro=suse
	else distro=fedora
	fi
	install -m 0644 "$resources/distros/$distro/convirt.conf" /etc/convirt.conf
fi
ln -sf /usr/share/convirt/bin/convirtctl /usr/bin/convirtctl
/usr/share/convirt/lib/convirt-setup configure ssh:openssh-client virsh:libvirt-client xdg-open:xdg-utils
