# SPDX-License-Identifier: MIT
description = Debian 12 bookworm minbase for s390x: IBM Z
inherit = bookworm
arch = s390x
