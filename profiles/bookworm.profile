# SPDX-License-Identifier: MIT
# Base for Debian 12 profiles: inherited by <arch>-bookworm.
description = Debian 12 (bookworm) minbase, main; inherited by the <arch>-bookworm profiles
suite = bookworm
variant = minbase
components = main
