/*
 * tables_writer.c - see tables_writer.h.
 *
 * What a decision read: every lookup of a key other than the decided key
 * itself (a contact's target, looked up for the next link of its chain;
 * for a sender, anything but its own target lookup) is noted as a pair
 * (read key, decided key) in the writer's dependencies, through the
 * directory view's trace (dir_view.h).  Most directories have none: a
 * contact whose target is in an external_relay domain reads nothing
 * more.  The pairs are kept sorted and deduplicated when needed, and
 * emptied at every full write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dir_index.h"
#include "dir_view.h"
#include "lmdb_table.h"
#include "tables_writer.h"
#include "x500.h"

/* A key kind in a dependency: read by proxy or by target; decided as a
   recipient or as a sender. */
#define DEP_PROXY	'p'
#define DEP_TARGET	't'
#define DEP_RCPT	'r'
#define DEP_SENDER	's'

struct tables_dep {
	char	*read;		/* kind, then the key read */
	char	*decided;	/* kind, then the key decided */
};

/* A growable list of strings (keys). */
struct tables_keys {
	char	**v;
	size_t	  n, max;
};

struct tables_writer {
	char			*dir;		/* the tables' folder */
	unsigned		 maps;		/* CONFIG_TABLES_* open */
	lmdb_table_t		*t[TABLES_NMAPS];
	bool			 valid;		/* the tables hold ix, stale */
	dir_index_t		*ix;		/* the copy last written */
	int			 stale;
	tables_domains_t	*td;		/* its domain entries */
	struct tables_dep	*deps;
	size_t			 ndeps, maxdeps;
	bool			 deps_sorted;
	bool			 nomem;		/* a dependency was lost */
};

/* What one table's transaction needs. */
struct tables_pass {
	tables_writer_t		*w;
	const config_t		*cfg;
	directory_t		*view;
	tables_map_t		 map;
	const struct tables_keys *rcpts, *senders;	/* update: the keys */
	unsigned char		*touched_r, *touched_s;	/* update: changed */
	size_t			 changed;
	bool			 trace;		/* note the dependencies */
	const char		*decided;	/* the key being decided */
	char			 kind;		/* DEP_RCPT or DEP_SENDER */
};

tables_writer_t *
tables_writer_new(void)
{
	return calloc(1, sizeof(tables_writer_t));
}

static void
tables_deps_clear(tables_writer_t *w)
{
	for (size_t i = 0; i < w->ndeps; i++) {
		free(w->deps[i].read);
		free(w->deps[i].decided);
	}
	w->ndeps = 0;
	w->deps_sorted = true;
	w->nomem = false;
}

static void
tables_close(tables_writer_t *w)
{
	for (int m = 0; m < TABLES_NMAPS; m++) {
		lmdb_table_close(w->t[m]);
		w->t[m] = NULL;
	}
	free(w->dir);
	w->dir = NULL;
	w->maps = 0;
	w->valid = false;
}

void
tables_writer_free(tables_writer_t *w)
{
	if (w == NULL)
		return;
	tables_close(w);
	dir_index_release(w->ix);
	tables_domains_free(w->td);
	tables_deps_clear(w);
	free(w->deps);
	free(w);
}

/* "K" + s, malloc'ed; NULL when out of memory. */
static char *
tables_kind_key(char kind, const char *s)
{
	size_t	 n = strlen(s);
	char	*p = malloc(n + 2);

	if (p != NULL) {
		p[0] = kind;
		memcpy(p + 1, s, n + 1);
	}
	return p;
}

/* The trace of a view: notes what the decision of pass->decided read. */
static void
tables_trace(int by_target, const char *key, void *arg)
{
	struct tables_pass	*pass = arg;
	tables_writer_t		*w = pass->w;
	struct tables_dep	*d;

	if (!pass->trace || pass->decided == NULL)
		return;
	if (strcmp(key, pass->decided) == 0 &&
	    (by_target != 0) == (pass->kind == DEP_SENDER))
		return;		/* its own lookup: it is decided anyway */
	if (w->ndeps == w->maxdeps) {
		size_t	 max = w->maxdeps ? 2 * w->maxdeps : 64;

		if ((d = realloc(w->deps, max * sizeof(*d))) == NULL) {
			w->nomem = true;
			return;
		}
		w->deps = d;
		w->maxdeps = max;
	}
	d = &w->deps[w->ndeps];
	d->read = tables_kind_key(by_target ? DEP_TARGET : DEP_PROXY, key);
	d->decided = tables_kind_key(pass->kind, pass->decided);
	if (d->read == NULL || d->decided == NULL) {
		free(d->read);
		free(d->decided);
		w->nomem = true;
		return;
	}
	w->ndeps++;
	w->deps_sorted = false;
}

static int
tables_dep_cmp(const void *a, const void *b)
{
	const struct tables_dep	*x = a, *y = b;
	int			 c = strcmp(x->read, y->read);

	return c != 0 ? c : strcmp(x->decided, y->decided);
}

/* Sorts the dependencies and drops the same pair twice. */
static void
tables_deps_sort(tables_writer_t *w)
{
	size_t	 n = 0;

	if (w->deps_sorted)
		return;
	qsort(w->deps, w->ndeps, sizeof(*w->deps), tables_dep_cmp);
	for (size_t i = 0; i < w->ndeps; i++) {
		if (n > 0 && tables_dep_cmp(&w->deps[n - 1], &w->deps[i]) == 0) {
			free(w->deps[i].read);
			free(w->deps[i].decided);
			continue;
		}
		w->deps[n++] = w->deps[i];
	}
	w->ndeps = n;
	w->deps_sorted = true;
}

static int
tables_keys_add(struct tables_keys *k, const char *key)
{
	char	**v;

	if (k->n == k->max) {
		size_t	 max = k->max ? 2 * k->max : 64;

		if ((v = realloc(k->v, max * sizeof(*v))) == NULL)
			return -1;
		k->v = v;
		k->max = max;
	}
	if ((k->v[k->n] = strdup(key)) == NULL)
		return -1;
	k->n++;
	return 0;
}

static void
tables_keys_free(struct tables_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->v[i]);
	free(k->v);
	memset(k, 0, sizeof(*k));
}

static int
tables_str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the keys and drops duplicates. */
static void
tables_keys_unique(struct tables_keys *k)
{
	size_t	 n = 0;

	qsort(k->v, k->n, sizeof(*k->v), tables_str_cmp);
	for (size_t i = 0; i < k->n; i++) {
		if (n > 0 && strcmp(k->v[n - 1], k->v[i]) == 0) {
			free(k->v[i]);
			continue;
		}
		k->v[n++] = k->v[i];
	}
	k->n = n;
}

/*
 * An X500 proxy address's key ("x500:<dn>", x500.h): no table holds it,
 * since Postfix looks up SMTP addresses only (IMCEAEX addresses are not
 * decoded in tables mode).
 */
static bool
tables_x500_key(const char *key)
{
	return strncmp(key, X500_KEY_PREFIX, X500_KEY_PREFIX_LEN) == 0;
}

/* dir_index_diff()'s callback: collects the keys into a tables_keys. */
static int
tables_collect(const char *key, void *arg)
{
	return tables_keys_add(arg, key);
}

/*
 * Adds to rcpts and senders the keys whose decisions read the key of kind
 * (DEP_PROXY, DEP_TARGET).  Returns 0, or -1: out of memory.
 */
static int
tables_dependents(tables_writer_t *w, char kind, const char *key,
    struct tables_keys *rcpts, struct tables_keys *senders)
{
	struct tables_dep	 probe, *d;
	char			*read;
	size_t			 lo = 0, hi = w->ndeps;
	int			 r = 0;

	if (w->ndeps == 0)
		return 0;
	if ((read = tables_kind_key(kind, key)) == NULL)
		return -1;
	probe.read = read;
	probe.decided = "";
	while (lo < hi) {		/* the first pair of read */
		size_t	 mid = lo + (hi - lo) / 2;

		if (tables_dep_cmp(&w->deps[mid], &probe) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (d = &w->deps[lo]; r == 0 && d < w->deps + w->ndeps &&
	    strcmp(d->read, read) == 0; d++)
		r = tables_keys_add(d->decided[0] == DEP_RCPT ? rcpts :
		    senders, d->decided + 1);
	free(read);
	return r;
}

/*
 * Puts (value not NULL) or removes key, and its internal form when that
 * differs, in the pass's table.  Returns 1 when that changed the table,
 * 0 when not, -1 with err set.
 */
static int
tables_apply(struct tables_pass *pass, lmdb_table_t *t, const char *key,
    const char *value, char *err, size_t errlen)
{
	char		 internal[LMDB_TABLE_KEY_MAX + 1];
	const char	*keys[2];
	int		 changed = 0, r;

	keys[0] = key;
	keys[1] = tables_internal_key(key, internal, sizeof(internal));
	for (int i = 0; i < 2 && keys[i] != NULL; i++) {
		r = value != NULL ? lmdb_table_put(t, keys[i], value, err,
		    errlen) : lmdb_table_del(t, keys[i], err, errlen);
		if (r == -1)
			return -1;
		if (r == 0)
			changed = 1;
	}
	pass->changed += changed;
	return changed;
}

/*
 * Decides key, as a sender (generic) or a recipient, into row; a key that
 * is not in the copy (one that was removed) has no entry of its own: the
 * domain entries answer for it, as a full write would leave it.
 */
static void
tables_decide_key(const tables_writer_t *w, const config_t *cfg,
    directory_t *view, bool sender, const char *key, tables_row_t *row)
{
	dir_result_t	 res = { .entries = NULL };
	char		 err[64];

	if (sender)
		tables_sender(cfg, view, w->td, key, row);
	else
		tables_rcpt(cfg, view, w->td, key, row);
	if (dir_index_lookup(w->ix, sender, key, &res, err, sizeof(err)) ==
	    DIR_NOTFOUND)
		memset(row->has, 0, sizeof(row->has));
	dir_result_free(&res);
}

/* Decides key for the pass's map into row (noting what it read). */
static void
tables_decide(struct tables_pass *pass, const char *key, tables_row_t *row)
{
	pass->decided = key;
	pass->kind = pass->map == TABLES_GENERIC ? DEP_SENDER : DEP_RCPT;
	tables_decide_key(pass->w, pass->cfg, pass->view,
	    pass->map == TABLES_GENERIC, key, row);
	pass->decided = NULL;
}

/* One key of a full write. */
struct tables_full_arg {
	struct tables_pass	*pass;
	lmdb_table_t		*t;
	char			*err;
	size_t			 errlen;
	int			 failed;
};

/*
 * dir_index_each() on one table of the index: the key decided as resolve.c
 * decides it (the decision looks its entries up itself), its entry put.
 */
static int
tables_full_key(void *arg, const char *key, const dir_entry_t *entries,
    size_t n)
{
	struct tables_full_arg	*fa = arg;
	tables_row_t		 row;
	tables_map_t		 m = fa->pass->map;

	(void)entries;
	(void)n;
	if (tables_x500_key(key))
		return 0;
	tables_decide(fa->pass, key, &row);
	if (!row.has[m])
		return 0;
	if (tables_apply(fa->pass, fa->t, key, row.value[m], fa->err,
	    fa->errlen) == -1) {
		fa->failed = 1;
		return -1;
	}
	return 0;
}

static int
tables_full_domain(tables_map_t map, const char *key, const char *value,
    void *arg)
{
	struct tables_full_arg	*fa = arg;

	if (map != fa->pass->map)
		return 0;
	return tables_apply(fa->pass, fa->t, key, value, fa->err,
	    fa->errlen) == -1 ? -1 : 0;
}

/* The transaction of a full write of one table (emptied before). */
static int
tables_full_fill(lmdb_table_t *t, void *arg, char *err, size_t errlen)
{
	struct tables_pass	*pass = arg;
	struct tables_full_arg	 fa = { pass, t, err, errlen, 0 };

	pass->changed = 0;
	if (tables_domains_foreach(pass->w->td, tables_full_domain, &fa) != 0)
		return -1;
	if (dir_index_each(pass->w->ix, pass->map == TABLES_GENERIC,
	    tables_full_key, &fa) != 0) {
		if (!fa.failed)
			snprintf(err, errlen, "tables: out of memory");
		return -1;
	}
	return 0;
}

/* The transaction of an update of one table: its keys decided again. */
static int
tables_update_fill(lmdb_table_t *t, void *arg, char *err, size_t errlen)
{
	struct tables_pass		*pass = arg;
	const struct tables_keys	*keys = pass->map == TABLES_GENERIC ?
					    pass->senders : pass->rcpts;
	unsigned char			*touched = pass->map ==
					    TABLES_GENERIC ? pass->touched_s :
					    pass->touched_r;
	tables_map_t			 m = pass->map;
	tables_row_t			 row;
	int				 r;

	pass->changed = 0;
	for (size_t i = 0; i < keys->n; i++) {
		tables_decide(pass, keys->v[i], &row);
		r = tables_apply(pass, t, keys->v[i], row.has[m] ?
		    row.value[m] : NULL, err, errlen);
		if (r == -1)
			return -1;
		if (r == 1)
			touched[i] = 1;
	}
	return 0;
}

/* Opens the tables of cfg (closing others); 0, or -1 with err set. */
static int
tables_open(tables_writer_t *w, const config_t *cfg, char *err,
    size_t errlen)
{
	char	 path[4096];

	if (w->dir != NULL && strcmp(w->dir, cfg->tables.path) == 0 &&
	    w->maps == cfg->tables.maps)
		return 0;
	tables_close(w);
	for (int m = 0; m < TABLES_NMAPS; m++) {
		if (!(cfg->tables.maps & tables_map_bit((tables_map_t)m)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", cfg->tables.path,
		    tables_map_name((tables_map_t)m));
		if ((w->t[m] = lmdb_table_open(path, err, errlen)) == NULL) {
			tables_close(w);
			return -1;
		}
	}
	if ((w->dir = strdup(cfg->tables.path)) == NULL) {
		snprintf(err, errlen, "tables: out of memory");
		tables_close(w);
		return -1;
	}
	w->maps = cfg->tables.maps;
	return 0;
}

/* The order of the transactions: virtual, access, generic (header). */
static const tables_map_t tables_order[TABLES_NMAPS] = {
	TABLES_VIRTUAL, TABLES_ACCESS, TABLES_GENERIC
};

static int
tables_full(tables_writer_t *w, const config_t *cfg,
    const dir_snapshot_t *snap, tables_stats_t *st, char *err, size_t errlen)
{
	struct tables_pass	 pass;
	bool			 traced = false;
	int			 r = 0;

	w->valid = false;
	tables_domains_free(w->td);
	if ((w->td = tables_domains_new(cfg, snap->stale, snap->why, err,
	    errlen)) == NULL)
		return -1;
	dir_index_release(w->ix);
	w->ix = dir_index_hold(snap->index);
	w->stale = snap->stale;
	tables_deps_clear(w);
	memset(&pass, 0, sizeof(pass));
	pass.w = w;
	pass.cfg = cfg;
	if ((pass.view = dir_view_new(w->ix, snap->stale, snap->why, err,
	    errlen)) == NULL)
		return -1;
	dir_view_trace(pass.view, tables_trace, &pass);
	for (int i = 0; r == 0 && i < TABLES_NMAPS; i++) {
		tables_map_t	 m = tables_order[i];

		if (w->t[m] == NULL)
			continue;
		pass.map = m;
		/* the access pass decides what the virtual one did */
		pass.trace = m == TABLES_GENERIC || !traced;
		traced = traced || m != TABLES_GENERIC;
		r = lmdb_table_write(w->t[m], true, tables_full_fill, &pass,
		    err, errlen);
		st->changed[m] = pass.changed;
	}
	st->decided = dir_index_entries(w->ix);
	directory_close(pass.view);
	if (r == 0 && !w->nomem)
		w->valid = true;
	else if (r == 0) {
		snprintf(err, errlen, "tables: out of memory");
		r = -1;
	}
	return r;
}

static int
tables_update(tables_writer_t *w, const config_t *cfg,
    const dir_snapshot_t *snap, tables_stats_t *st, tables_change_fn fn,
    void *arg, char *err, size_t errlen)
{
	struct tables_keys	 cp = { 0 }, ct = { 0 }, rcpts = { 0 },
				 senders = { 0 };
	struct tables_pass	 pass;
	int			 r = 0;

	memset(&pass, 0, sizeof(pass));
	w->valid = false;
	if (dir_index_diff(w->ix, snap->index, 0, tables_collect, &cp) != 0 ||
	    dir_index_diff(w->ix, snap->index, 1, tables_collect, &ct) != 0)
		goto nomem;
	tables_deps_sort(w);
	for (size_t i = 0; i < cp.n; i++)
		if ((!tables_x500_key(cp.v[i]) &&
		    tables_keys_add(&rcpts, cp.v[i]) == -1) ||
		    tables_dependents(w, DEP_PROXY, cp.v[i], &rcpts,
		    &senders) == -1)
			goto nomem;
	for (size_t i = 0; i < ct.n; i++)
		if (tables_keys_add(&senders, ct.v[i]) == -1 ||
		    tables_dependents(w, DEP_TARGET, ct.v[i], &rcpts,
		    &senders) == -1)
			goto nomem;
	tables_keys_unique(&rcpts);
	tables_keys_unique(&senders);

	dir_index_release(w->ix);
	w->ix = dir_index_hold(snap->index);
	pass.w = w;
	pass.cfg = cfg;
	pass.rcpts = &rcpts;
	pass.senders = &senders;
	if ((pass.touched_r = calloc(rcpts.n + 1, 1)) == NULL ||
	    (pass.touched_s = calloc(senders.n + 1, 1)) == NULL)
		goto nomem;
	if ((pass.view = dir_view_new(w->ix, snap->stale, snap->why, err,
	    errlen)) == NULL) {
		r = -1;
		goto done;
	}
	dir_view_trace(pass.view, tables_trace, &pass);
	st->decided = rcpts.n + senders.n;
	for (int i = 0; r == 0 && i < TABLES_NMAPS; i++) {
		tables_map_t	 m = tables_order[i];

		if (w->t[m] == NULL)
			continue;
		pass.map = m;
		pass.trace = true;
		r = lmdb_table_write(w->t[m], false, tables_update_fill, &pass,
		    err, errlen);
		st->changed[m] = pass.changed;
	}
	dir_view_trace(pass.view, NULL, NULL);
	if (r == 0 && fn != NULL) {
		tables_row_t	 row;

		for (size_t i = 0; i < rcpts.n; i++)
			if (pass.touched_r[i]) {
				tables_decide_key(w, cfg, pass.view, false,
				    rcpts.v[i], &row);
				fn(rcpts.v[i], &row, arg);
			}
		for (size_t i = 0; i < senders.n; i++)
			if (pass.touched_s[i]) {
				tables_decide_key(w, cfg, pass.view, true,
				    senders.v[i], &row);
				fn(senders.v[i], &row, arg);
			}
	}
	directory_close(pass.view);
	if (r == 0 && !w->nomem)
		w->valid = true;
	else if (r == 0) {
		snprintf(err, errlen, "tables: out of memory");
		r = -1;
	}
	goto done;
nomem:
	snprintf(err, errlen, "tables: out of memory");
	r = -1;
done:
	free(pass.touched_r);
	free(pass.touched_s);
	tables_keys_free(&cp);
	tables_keys_free(&ct);
	tables_keys_free(&rcpts);
	tables_keys_free(&senders);
	return r;
}

int
tables_writer_sync(tables_writer_t *w, const config_t *cfg, bool new_config,
    const dir_snapshot_t *snap, tables_stats_t *st, tables_change_fn fn,
    void *arg, char *err, size_t errlen)
{
	int64_t	 start = clock_ms();
	int	 r;

	memset(st, 0, sizeof(*st));
	if (new_config)
		w->valid = false;
	if (tables_open(w, cfg, err, errlen) == -1)
		return -1;
	if (w->valid && snap->index == w->ix && (snap->stale != 0) ==
	    (w->stale != 0))
		return 0;
	st->full = !w->valid || (snap->stale != 0) != (w->stale != 0);
	if (st->full)
		r = tables_full(w, cfg, snap, st, err, errlen);
	else
		r = tables_update(w, cfg, snap, st, fn, arg, err, errlen);
	for (int m = 0; m < TABLES_NMAPS; m++)
		if (w->t[m] != NULL)
			st->entries[m] = lmdb_table_entries(w->t[m]);
	st->ms = clock_ms() - start;
	return r == 0 ? 1 : -1;
}
