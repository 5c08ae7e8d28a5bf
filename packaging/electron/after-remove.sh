#!/bin/sh
# After remove of the bundled-Electron deb ($1 = remove or purge) or rpm ($1 = 0 on the last
# erase, 1 on upgrade): the links go; operator data and /etc/convirt.conf stay unless purged.
set -e
case "$1" in
remove | purge | 0)
	rm -f /usr/bin/convirtctl
	rm -rf /usr/share/convirt
	;;
esac
if [ "$1" = purge ]; then
	rm -rf /var/cache/convirt /var/log/convirt /etc/convirt.conf
fi
exit 0
