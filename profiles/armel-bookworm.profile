# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for armel: ARM EABI soft-float (ARMv5+; older boards)
inherit = bookworm
arch = armel
