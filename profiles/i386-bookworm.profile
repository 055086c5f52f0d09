# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for i386: 32-bit x86
inherit = bookworm
arch = i386
