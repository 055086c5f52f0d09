# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for arm64: 64-bit ARM (AArch64)
inherit = bookworm
arch = arm64
