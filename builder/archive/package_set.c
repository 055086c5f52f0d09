/* SPDX-License-Identifier: MIT */
#include "archive/package_set.h"

#include "util/alloc.h"
#include "util/cleanup.h"
#include "util/strv.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

int package_set_variant_from_name(const char *name, enum package_set_variant *out)
{
	static const char *const names[] = {
		[PACKAGE_SET_MINBASE] = "minbase",
		[PACKAGE_SET_BUILDD] = "buildd",
		[PACKAGE_SET_STANDARD] = "standard",
	};
	int i = str_index(name, names, sizeof(names) / sizeof(names[0]));
	if (i < 0)
		return -1;
	*out = (enum package_set_variant)i;
	return 0;
}

/* ---- name lists: debootstrap's space-separated shell lists -------------- */

/* Borrowed names: from the indexes, the request or string literals, all of
 * which outlive the resolution. */
struct name_list {
	const char **v;
	size_t n, cap;
};

static void name_list_free(struct name_list *l)
{
	free(l->v);
	*l = (struct name_list){ 0 };
}

static void name_list_push(struct name_list *l, const char *name)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	l->v[l->n++] = name;
}

static void name_list_push_all(struct name_list *l, char *const *names)
{
	for (; names && *names; names++)
		name_list_push(l, *names);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* `sort | uniq`, in byte order (debootstrap runs with LANG=C). */
static void name_list_sort_uniq(struct name_list *l)
{
	size_t kept = 0;
	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), compare_names);
	for (size_t i = 0; i < l->n; i++)
		if (kept == 0 || strcmp(l->v[kept - 1], l->v[i]) != 0)
			l->v[kept++] = l->v[i];
	l->n = kept;
}

static bool name_list_sorted_has(const struct name_list *l, const char *name)
{
	return l->n && bsearch(&name, l->v, l->n, sizeof(*l->v), compare_names);
}

static bool strv_has_name(char *const *v, const char *name)
{
	for (; v && *v; v++)
		if (strcmp(*v, name) == 0)
			return true;
	return false;
}

/* functions `without A B`: A's names that are not in B, sorted and unique.
 * Exactly one of `unwanted` (a request list) or `unwanted_sorted` is used. */
static void name_list_without(struct name_list *l, char *const *unwanted,
			      const struct name_list *unwanted_sorted)
{
	size_t kept = 0;
	name_list_sort_uniq(l);
	for (size_t i = 0; i < l->n; i++) {
		bool drop = unwanted_sorted ? name_list_sorted_has(unwanted_sorted, l->v[i])
					    : strv_has_name(unwanted, l->v[i]);
		if (!drop)
			l->v[kept++] = l->v[i];
	}
	l->n = kept;
}

/* ---- the catalog: every stanza of every index, by name ------------------ */

struct stanza_ref {
	const char *name;
	const struct deb_package *package;
	size_t index_no, position;
};

struct catalog {
	struct stanza_ref *refs;
	size_t count;
};

static int compare_refs(const void *a, const void *b)
{
	const struct stanza_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->index_no != y->index_no)
		return x->index_no < y->index_no ? -1 : 1;
	return x->position < y->position ? -1 : x->position > y->position;
}

static void catalog_build(const struct package_set_request *req, struct catalog *cat)
{
	size_t total = 0, n = 0;
	for (size_t i = 0; i < req->index_count; i++)
		total += req->indexes[i].count;
	cat->refs = xcalloc(total, sizeof(*cat->refs));
	for (size_t i = 0; i < req->index_count; i++)
		for (size_t j = 0; j < req->indexes[i].count; j++)
			cat->refs[n++] = (struct stanza_ref){
				.name = req->indexes[i].packages[j].package,
				.package = &req->indexes[i].packages[j],
				.index_no = i,
				.position = j,
			};
	cat->count = n;
	qsort(cat->refs, n, sizeof(*cat->refs), compare_refs);
}

/* Every stanza named `name`, in index order: *count of them from the
 * returned one on; NULL when there is none (a virtual or missing package). */
static const struct stanza_ref *catalog_find(const struct catalog *cat, const char *name,
					     size_t *count)
{
	size_t lo = 0, hi = cat->count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(cat->refs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < cat->count && strcmp(cat->refs[end].name, name) == 0)
		end++;
	*count = end - lo;
	return end > lo ? &cat->refs[lo] : NULL;
}

/* The stanza debootstrap downloads: download_release tries the components
 * in order and takes the first that has the package; within one index
 * pkgdetails_field's %outputs keeps the last stanza of a name. */
static const struct deb_package *catalog_download_record(const struct catalog *cat,
							 const char *name)
{
	size_t count;
	const struct stanza_ref *r = catalog_find(cat, name, &count);
	if (!r)
		return NULL;
	size_t last = 0;
	while (last + 1 < count && r[last + 1].index_no == r[0].index_no)
		last++;
	return r[last].package;
}

/* ---- work_out_debs (scripts/debian-common) ------------------------------ */

/* functions get_debs: the packages whose Priority is `priority`, over every
 * component.  Its pkgdetails_field only looks at a run of stanzas of the
 * same name when the run ends, with the last stanza's fields. */
static void push_packages_with_priority(const struct package_set_request *req,
					const char *priority, struct name_list *out)
{
	for (size_t i = 0; i < req->index_count; i++) {
		const struct packages_index *idx = &req->indexes[i];
		for (size_t j = 0; j < idx->count; j++) {
			const struct deb_package *p = &idx->packages[j];
			if (j + 1 < idx->count && strcmp(idx->packages[j + 1].package, p->package) == 0)
				continue;
			if (p->priority && strcmp(p->priority, priority) == 0)
				name_list_push(out, p->package);
		}
	}
}

/* A shell `case "$CODENAME" in PATTERN|...)` over `patterns`. */
static bool codename_is(const char *codename, const char *const *patterns)
{
	for (; *patterns; patterns++)
		if (fnmatch(*patterns, codename ? codename : "", 0) == 0)
			return true;
	return false;
}

/* The starting lists before --include/--exclude, and the dependencies
 * never followed (debootstrap's EXCLUDE_DEPENDENCY). */
static void work_out_debs(const struct package_set_request *req, struct name_list *required,
			  struct name_list *base, const char **exclude_dependency)
{
	static const char *const before_bookworm[] = { "etch*", "lenny", "squeeze", "wheezy",
						       "jessie*", "stretch", "buster", "bullseye",
						       NULL };
	static const char *const with_apt_transport_https[] = { "lenny", "squeeze", "wheezy",
								"jessie*", "stretch", NULL };
	static const char *const bookworm[] = { "bookworm", NULL };

	/* required="$(get_debs Priority: required)": Essential: yes is not
	 * looked at; in Debian every Essential package is also required. */
	push_packages_with_priority(req, "required", required);
	switch (req->variant) {
	case PACKAGE_SET_STANDARD: /* doing_variant -: base="$(get_debs Priority: important)" */
		push_packages_with_priority(req, "important", base);
		break;
	case PACKAGE_SET_BUILDD:
		name_list_push(base, "apt");
		name_list_push(base, "build-essential");
		break;
	case PACKAGE_SET_MINBASE:
		name_list_push(base, "apt");
		break;
	}
	/* An https:// mirror: the target's apt needs to speak https. */
	if (req->https_mirror) {
		if (codename_is(req->codename, with_apt_transport_https))
			name_list_push(base, "apt-transport-https");
		name_list_push(base, "ca-certificates");
	}
	/* bookworm: the empty usr-is-merged stands in for the usrmerge
	 * migration debootstrap does itself; later suites have neither. */
	*exclude_dependency = NULL;
	if (!codename_is(req->codename, before_bookworm)) {
		if (codename_is(req->codename, bookworm))
			name_list_push(required, "usr-is-merged");
		*exclude_dependency = "usrmerge";
	}
}

/* ---- resolve_deps (functions) ------------------------------------------- */

/* pkgdetails GETDEPS on one Depends or Pre-Depends value: for each
 * comma-separated item, the first alternative (cut at the first '|')
 * without its version (from the first '(' to the last ')', with the blanks
 * around them) or arch qualifier (cut at the first ':'); the shell then
 * splits what is left into words.  Names no index has (virtual packages,
 * missing ones) are dropped, as resolve_deps keeps only `PKGS REAL` ones:
 * a virtual package does not bring in a provider. */
static void push_dependencies(const char *field, const struct catalog *cat,
			      const char *exclude_dependency, struct name_list *out)
{
	autofree char *copy = xstrdup(field);
	char *item, *save = NULL;
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *cut = strchr(item, '|');
		if (cut)
			*cut = '\0';
		char *open = strchr(item, '('), *close = strrchr(item, ')');
		if (open && close && open < close) {
			while (open > item && isspace((unsigned char)open[-1]))
				open--;
			close++;
			while (isspace((unsigned char)*close))
				close++;
			memmove(open, close, strlen(close) + 1);
		}
		cut = strchr(item, ':');
		if (cut)
			*cut = '\0';
		char *word, *save_word = NULL;
		for (word = strtok_r(item, " \t", &save_word); word;
		     word = strtok_r(NULL, " \t", &save_word)) {
			size_t count;
			const struct stanza_ref *r = catalog_find(cat, word, &count);
			if (!r || (exclude_dependency && strcmp(word, exclude_dependency) == 0))
				continue;
			name_list_push(out, r->name);
		}
	}
}

/* Follow Depends and Pre-Depends from `start` (sorted, unique) until
 * nothing new appears; the result replaces it, sorted.  Names in `start`
 * stay even when no index has them (resolve_deps seeds ALLPKGS with its
 * arguments).  A package's dependencies come from every stanza of that
 * name in every component, as GETDEPS reads each index. */
static void resolve_deps(const struct catalog *cat, const char *exclude_dependency,
			 struct name_list *all)
{
	struct name_list frontier = { 0 }, found = { 0 };

	for (size_t i = 0; i < all->n; i++)
		name_list_push(&frontier, all->v[i]);
	while (frontier.n > 0) {
		found.n = 0;
		for (size_t i = 0; i < frontier.n; i++) {
			size_t count;
			const struct stanza_ref *r = catalog_find(cat, frontier.v[i], &count);
			for (size_t k = 0; r && k < count; k++) {
				const struct deb_package *p = r[k].package;
				if (p->depends)
					push_dependencies(p->depends, cat, exclude_dependency, &found);
				if (p->pre_depends)
					push_dependencies(p->pre_depends, cat, exclude_dependency, &found);
			}
		}
		name_list_without(&found, NULL, all);
		frontier.n = 0;
		for (size_t i = 0; i < found.n; i++) {
			name_list_push(&frontier, found.v[i]);
			name_list_push(all, found.v[i]);
		}
		name_list_sort_uniq(all);
	}
	name_list_free(&frontier);
	name_list_free(&found);
}

/* ---- the finddebs phase (debootstrap) ----------------------------------- */

static void append_items(struct package_set *set, const struct name_list *names,
			 const struct catalog *cat)
{
	for (size_t i = 0; i < names->n; i++) {
		struct package_set_item *it = &set->items[set->count++];
		it->name = xstrdup(names->v[i]);
		it->package = catalog_download_record(cat, names->v[i]);
	}
}

int package_set_resolve(const struct package_set_request *req, struct package_set *out,
			struct mkfr_error *err)
{
	struct catalog cat = { 0 };
	struct name_list required = { 0 }, base = { 0 };
	const char *exclude_dependency;

	(void)err; /* nothing in here can fail: an unknown name is a NULL package */
	*out = (struct package_set){ 0 };
	catalog_build(req, &cat);
	work_out_debs(req, &required, &base, &exclude_dependency);
	/* base=$(without "$base $ADDITIONAL" "$EXCLUDE"), and the same for
	 * required: --exclude only takes names off these starting lists; a
	 * dependency still brings them back. */
	name_list_push_all(&base, req->include);
	name_list_without(&base, req->exclude, NULL);
	name_list_without(&required, req->exclude, NULL);
	/* required=$(resolve_deps ...); base=$(resolve_deps ...);
	 * base=$(without "$base" "$required") */
	resolve_deps(&cat, exclude_dependency, &required);
	resolve_deps(&cat, exclude_dependency, &base);
	name_list_without(&base, NULL, &required);

	out->items = xcalloc(required.n + base.n + 1, sizeof(*out->items));
	append_items(out, &required, &cat);
	out->required_count = out->count;
	append_items(out, &base, &cat);
	free(cat.refs);
	name_list_free(&required);
	name_list_free(&base);
	return 0;
}

void package_set_free(struct package_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->items[i].name);
	free(set->items);
	*set = (struct package_set){ 0 };
}
