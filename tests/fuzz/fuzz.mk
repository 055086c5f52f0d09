# SPDX-License-Identifier: MIT
# The fuzz targets, built with clang, libFuzzer, ASan and UBSan against the
# sources of libmkfr.a compiled again the same way (the gcc-built libmkfr.a
# has no coverage instrumentation).  scripts/fuzz runs this with
#   SRCDIR BUILDDIR     the source tree; where objects and targets go
#   LIB_SOURCES         libmkfr_a_SOURCES' .c files, read from Makefile.am
#   PKG_CFLAGS PKG_LIBS pkg-config's flags for the libraries configure.ac checks
#   PACKAGE_VERSION     AC_INIT's version
# Not part of `make check`: CI runs scripts/fuzz.
CC = clang
SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined
CFLAGS = -std=gnu11 -g -O1 -fno-omit-frame-pointer $(SANITIZE) \
	-Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
	-Wstrict-prototypes -Wmissing-prototypes
# What Makefile.am's AM_CPPFLAGS and configure's DEFS give the gcc build
# (no config.h: automake passes PACKAGE_* and _GNU_SOURCE on the command
# line too).  The targets sit at the top of BUILDDIR, so datadirs.c finds
# the shipped profiles in SRCDIR as an uninstalled mkforeignroot does.
CPPFLAGS = -I$(SRCDIR)/builder $(PKG_CFLAGS) \
	-D_GNU_SOURCE \
	-DPACKAGE_NAME='"mkforeignroot"' -DPACKAGE_VERSION='"$(PACKAGE_VERSION)"' \
	-DMKFR_PKGDATADIR='"/usr/local/share/mkforeignroot"' \
	-DMKFR_PKGLIBEXECDIR='"/usr/local/libexec/mkforeignroot"' \
	-DMKFR_BUILDDIR='"$(BUILDDIR)"' \
	-DMKFR_SRCDIR='"$(SRCDIR)"'

TARGET_SOURCES = $(wildcard $(SRCDIR)/tests/fuzz/fuzz_*.c)
TARGETS = $(patsubst $(SRCDIR)/tests/fuzz/%.c,$(BUILDDIR)/%,$(TARGET_SOURCES))
LIB_OBJECTS = $(patsubst %.c,$(BUILDDIR)/obj/%.o,$(LIB_SOURCES))
TARGET_OBJECTS = $(patsubst $(SRCDIR)/%.c,$(BUILDDIR)/obj/%.o,$(TARGET_SOURCES))

all: $(TARGETS)

# fuzzer-no-link: coverage instrumentation without libFuzzer's main().
$(BUILDDIR)/obj/%.o: $(SRCDIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILDDIR)/libmkfr-fuzz.a: $(LIB_OBJECTS)
	@rm -f $@
	ar rcs $@ $^

$(BUILDDIR)/fuzz_%: $(BUILDDIR)/obj/tests/fuzz/fuzz_%.o $(BUILDDIR)/libmkfr-fuzz.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -lpthread -o $@

.PHONY: all
.SECONDARY:
-include $(LIB_OBJECTS:.o=.d) $(TARGET_OBJECTS:.o=.d)
