/* SPDX-License-Identifier: MIT */
#include "cache/fetch_debs.h"

#include "sys/signals.h"
#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum deb_state { UNKNOWN, IN_CACHE, OURS, OTHERS };

struct deb_job {
	const struct deb_package *pkg;
	char *file_name, *url, *dest;
	enum deb_state state;
};

static void add_totals(struct parallel_fetch_totals *sum, const struct parallel_fetch_totals *t)
{
	sum->files += t->files;
	sum->bytes += t->bytes;
	sum->wasted += t->wasted;
	sum->retries += t->retries;
	sum->seconds += t->seconds;
}

/* Download the jobs in `state` OURS (their locks held) in one parallel
 * fetch, then release their locks whatever happened. */
static int fetch_ours(struct deb_cache *c, const struct fetch_debs_request *req,
		      struct deb_job *jobs, size_t n, struct fetch_debs_result *res,
		      struct mkfr_error *err)
{
	struct fetch_item *items = xcalloc(n, sizeof(*items));
	struct parallel_fetch_totals t;
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == OURS)
			items[count++] = (struct fetch_item){
				.url = jobs[i].url, .dest = jobs[i].dest,
				.size = jobs[i].pkg->size, .sha256 = jobs[i].pkg->sha256,
			};
	int r = parallel_fetch(items, count, &req->fetch, &t, err);
	add_totals(&res->fetched, &t);
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == OURS) {
			deb_cache_unlock(c, jobs[i].file_name);
			jobs[i].state = r == 0 ? IN_CACHE : UNKNOWN;
		}
	free(items);
	return r;
}

/* What is there, what we lock to download, what another build is
 * downloading right now.  All checks come first, while no lock is held: a
 * check that finds a corrupt file waits for its lock to remove it, and
 * waiting while holding locks could deadlock two builds.  Locks are then
 * only tried, never waited for. */
static int sort_jobs(struct deb_cache *c, struct deb_job *jobs, size_t n,
		     struct fetch_debs_result *res, struct mkfr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].state != UNKNOWN)
			continue;
		int r = deb_cache_check(c, jobs[i].pkg, err);
		if (r < 0)
			return -1;
		if (r == 1) {
			jobs[i].state = IN_CACHE;
			res->cached++;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct deb_job *j = &jobs[i];
		if (j->state != UNKNOWN)
			continue;
		int r = deb_cache_lock(c, j->file_name, false, err);
		if (r < 0)
			return -1;
		if (r == 0) {
			j->state = OTHERS;
			continue;
		}
		/* It may have arrived between the check and the lock.  We hold
		 * its lock now, so this check never waits. */
		r = deb_cache_check(c, j->pkg, err);
		if (r != 0)
			deb_cache_unlock(c, j->file_name);
		if (r < 0)
			return -1;
		j->state = r == 1 ? IN_CACHE : OURS;
		res->waited += r == 1;
	}
	return 0;
}

/* Files another build was fetching: wait for each in turn, holding one
 * lock at a time, and fetch it ourselves only if it is still missing. */
static int wait_for_others(struct deb_cache *c, const struct fetch_debs_request *req,
			   struct deb_job *jobs, size_t n, struct fetch_debs_result *res,
			   struct mkfr_error *err)
{
	for (size_t i = 0; i < n; i++) {
		struct deb_job *j = &jobs[i];
		if (j->state != OTHERS)
			continue;
		if (deb_cache_lock(c, j->file_name, true, err) < 0)
			return -1;
		int r = deb_cache_check(c, j->pkg, err);
		if (r != 0) {
			deb_cache_unlock(c, j->file_name);
			if (r < 0)
				return -1;
			j->state = IN_CACHE;
			res->waited++;
			continue;
		}
		log_info("fetch: %s: the other build did not get it; fetching it here", j->file_name);
		j->state = OURS;
		if (fetch_ours(c, req, j, 1, res, err) < 0)
			return -1;
	}
	return 0;
}

static void free_jobs(struct deb_job *jobs, size_t n)
{
	for (size_t i = 0; jobs && i < n; i++) {
		free(jobs[i].file_name);
		free(jobs[i].url);
		free(jobs[i].dest);
	}
	free(jobs);
}

int fetch_debs(struct deb_cache *c, const struct fetch_debs_request *req,
	       struct fetch_debs_result *res, struct mkfr_error *err)
{
	size_t n = req->n, mirror_len = strlen(req->mirror);
	struct deb_job *jobs = xcalloc(n, sizeof(*jobs));
	int r = -1;

	*res = (struct fetch_debs_result){ 0 };
	while (mirror_len > 0 && req->mirror[mirror_len - 1] == '/')
		mirror_len--;
	for (size_t i = 0; i < n; i++) {
		const struct deb_package *p = req->pkgs[i];
		jobs[i].pkg = p;
		if (deb_cache_usable_record(p, req->mirror, err) < 0)
			goto out;
		/* Both exist: the record is usable. */
		jobs[i].file_name = deb_package_file_name(p);
		jobs[i].dest = deb_cache_path(c, p);
		jobs[i].url = xasprintf("%.*s/%s", (int)mirror_len, req->mirror, p->filename);
		/* A package listed twice is fetched once. */
		for (size_t k = 0; k < i; k++)
			if (strcmp(jobs[k].file_name, jobs[i].file_name) == 0)
				jobs[i].state = IN_CACHE;
	}
	if (sort_jobs(c, jobs, n, res, err) < 0 || fetch_ours(c, req, jobs, n, res, err) < 0 ||
	    wait_for_others(c, req, jobs, n, res, err) < 0)
		goto out;
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (jobs[i].state == OURS)
			deb_cache_unlock(c, jobs[i].file_name);
	free_jobs(jobs, n);
	return r;
}
