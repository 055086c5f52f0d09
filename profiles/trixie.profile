# SPDX-License-Identifier: MIT
# Base for Debian 13 profiles: inherited by <arch>-trixie.
description = Debian 13 (trixie) minbase, main; inherited by the <arch>-trixie profiles
suite = trixie
variant = minbase
components = main
