/* SPDX-License-Identifier: MIT */
/* Scope-bound ownership helpers (the crun/systemd idiom).
 *
 * Every resource has one owner: a variable declared with one of these
 * attributes releases its resource when it goes out of scope.  To hand the
 * resource on (return it, store it in a struct), use steal_pointer() or
 * steal_fd(), which clear the variable so the cleanup does nothing. */
#ifndef MKFR_CLEANUP_H
#define MKFR_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}

static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static inline void cleanup_strvp(char ***v)
{
	if (*v) {
		for (char **s = *v; *s; s++)
			free(*s);
		free(*v);
	}
}

#define autofree __attribute__((cleanup(cleanup_freep)))
#define autoclose __attribute__((cleanup(cleanup_closep)))
#define autofclose __attribute__((cleanup(cleanup_fclosep)))
#define autoclosedir __attribute__((cleanup(cleanup_closedirp)))
#define autostrv __attribute__((cleanup(cleanup_strvp)))

static inline void *steal_pointer_impl(void *pp)
{
	void **p = pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))steal_pointer_impl(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
