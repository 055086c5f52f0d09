# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for ppc64el: 64-bit little-endian POWER
inherit = bookworm
arch = ppc64el
