/* SPDX-License-Identifier: MIT */
/* Writing a file so that it appears whole or not at all: the content goes
 * to an unnamed file in the destination directory (O_TMPFILE; a hidden
 * ".NAME.XXXXXX.part" where the filesystem lacks it), is fsynced, and is
 * renamed over the destination only on commit.  A crash leaves no partial
 * file under the real name, and with O_TMPFILE no file at all. */
#ifndef MKFR_ATOMIC_FILE_H
#define MKFR_ATOMIC_FILE_H

#include "util/error.h"

#include <stddef.h>
#include <sys/types.h>

struct atomic_file {
	int fd;          /* write here; -1 when not open */
	char *dest;      /* final path */
	char *part_path; /* named temp file, NULL with O_TMPFILE */
	mode_t mode;
};

#define ATOMIC_FILE_INIT { .fd = -1 }

int atomic_file_open(struct atomic_file *af, const char *dest, mode_t mode, struct mkfr_error *err);
/* Empty the temp file again (a retried download starts over). */
int atomic_file_truncate(struct atomic_file *af, struct mkfr_error *err);
/* fchmod, fsync, rename into place, fsync the directory; then closed. */
int atomic_file_commit(struct atomic_file *af, struct mkfr_error *err);
/* Close and remove the temp file; nothing happens to dest.  Safe to repeat. */
void atomic_file_discard(struct atomic_file *af);

/* The whole of `data` as the file `dest`, atomically: the one way we write
 * a small file of ours (manifest, toolchain files, cache keys, checksums). */
int atomic_file_write(const char *dest, const void *data, size_t len, mode_t mode,
		      struct mkfr_error *err);

static inline void cleanup_atomic_filep(struct atomic_file *af)
{
	atomic_file_discard(af);
}
#define autodiscard __attribute__((cleanup(cleanup_atomic_filep)))

#endif
