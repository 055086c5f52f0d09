# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for armhf: ARM hard-float (ARMv7+)
inherit = bookworm
arch = armhf
