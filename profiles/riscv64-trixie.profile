# SPDX-License-Identifier: MIT
description = Debian 13 trixie minbase for riscv64 (first release with riscv64)
inherit = trixie
arch = riscv64
