# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for mips64el: 64-bit little-endian MIPS
inherit = bookworm
arch = mips64el
