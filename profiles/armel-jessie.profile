# SPDX-License-Identifier: MIT
# Debian 8 (jessie) for armel, from the archive of old releases.
# Its Release file is signed by keys now retired to the removed-keys keyring,
# and it expired long ago, so apt inside the rootfs is told to accept it.
description = Debian 8 jessie minbase for armel, from archive.debian.org
suite = jessie
arch = armel
variant = minbase
components = main
mirror = http://archive.debian.org/debian
keyring = /usr/share/keyrings/debian-archive-removed-keys.gpg
check_valid_until = no
