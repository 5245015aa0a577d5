/* Per-proxy counters (see admin.h): a name -> counter table under a mutex,
 * written by the Lua thread as requests are resolved, read by the admin
 * server's threads. Each counter carries Envoy's flat name and its
 * Prometheus family and labels, as Envoy's default tag extractors would
 * split it (cluster.<name>.upstream_rq_200 ->
 * envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="<name>"}).
 * Entries are only added, never removed, so their strings outlive any copy. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "meshlua/strbuf.h"
#include "meshlua/strmap.h"

struct stat_entry {
	char *name, *family, *labels;
	uint64_t value;
	int hidden;
};

struct admin_stats {
	int refs;
	pthread_mutex_t lock;
	struct strmap index; /* name -> entry */
	struct stat_entry **entries;
	size_t count, cap;
};

struct admin_stats *admin_stats_new(void)
{
	struct admin_stats *st = calloc(1, sizeof *st);
	if (!st)
		return NULL;
	st->refs = 1;
	pthread_mutex_init(&st->lock, NULL);
	strmap_init(&st->index);
	return st;
}

void admin_stats_ref(struct admin_stats *st)
{
	__atomic_add_fetch(&st->refs, 1, __ATOMIC_RELAXED);
}

void admin_stats_unref(struct admin_stats *st)
{
	if (!st || __atomic_sub_fetch(&st->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < st->count; i++) {
		free(st->entries[i]->name);
		free(st->entries[i]->family);
		free(st->entries[i]->labels);
		free(st->entries[i]);
	}
	free(st->entries);
	strmap_free(&st->index);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* The entry of name, made on first use. Called with the lock held. NULL
 * when out of memory. */
static struct stat_entry *entry(struct admin_stats *st, const char *name, const char *family,
                                const char *labels, int hidden)
{
	struct stat_entry *e = strmap_get(&st->index, name);
	if (e)
		return e;
	if (st->count == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct stat_entry **grown = realloc(st->entries, cap * sizeof *grown);
		if (!grown)
			return NULL;
		st->entries = grown;
		st->cap = cap;
	}
	e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->name = strdup(name);
	e->family = strdup(family);
	e->labels = strdup(labels);
	e->hidden = hidden;
	if (!e->name || !e->family || !e->labels || strmap_put(&st->index, e->name, e) != 0) {
		free(e->name);
		free(e->family);
		free(e->labels);
		free(e);
		return NULL;
	}
	st->entries[st->count++] = e;
	return e;
}

/* Appends a Prometheus label `key="value"` (value escaped as the exposition
 * format wants: backslash, quote, newline). */
static int label(struct strbuf *sb, const char *key, const char *value)
{
	int rc = strbuf_appendf(sb, "%s%s=\"", sb->len ? "," : "", key);
	for (const char *p = value; rc == 0 && *p; p++) {
		if (*p == '\\' || *p == '"')
			rc = strbuf_putc(sb, '\\') || strbuf_putc(sb, *p);
		else if (*p == '\n')
			rc = strbuf_puts(sb, "\\n");
		else
			rc = strbuf_putc(sb, *p);
	}
	return rc == 0 ? strbuf_putc(sb, '"') : rc;
}

/* One counter to bump: flat name "<scope>.<object>.<stat>", family
 * "envoy_<scope>_<stat_family>", labels (the tag first, then the object's). */
struct bump {
	const char *scope;       /* "cluster", "http", "listener" */
	const char *object;      /* the cluster name, stat prefix, listener address */
	const char *object_tag;  /* "envoy_cluster_name" ... */
	const char *stat;        /* "upstream_rq_200" */
	const char *stat_family; /* "upstream_rq" */
	const char *tag;         /* "envoy_response_code"; NULL when none */
	const char *tag_value;   /* "200" */
	int hidden;
};

/* Adds one to the counter b names. Called with the lock held. */
static int bump(struct admin_stats *st, const struct bump *b)
{
	struct strbuf name = STRBUF_INIT, family = STRBUF_INIT, labels = STRBUF_INIT;
	struct stat_entry *e = NULL;
	int rc = strbuf_appendf(&name, "%s.%s.%s", b->scope, b->object, b->stat);
	if (rc == 0)
		rc = strbuf_appendf(&family, "envoy_%s_%s", b->scope,
		                    b->stat_family ? b->stat_family : b->stat);
	if (rc == 0 && b->tag)
		rc = label(&labels, b->tag, b->tag_value);
	if (rc == 0)
		rc = label(&labels, b->object_tag, b->object);
	if (rc == 0)
		e = entry(st, strbuf_cstr(&name), strbuf_cstr(&family), strbuf_cstr(&labels),
		          b->hidden);
	if (e)
		e->value++;
	strbuf_free(&name);
	strbuf_free(&family);
	strbuf_free(&labels);
	return e ? 0 : -1;
}

/* Bumps <stat>_<code> and <stat>_<c>xx of b for an HTTP status (Envoy's
 * per-code and per-class counters; b.stat is the base, "upstream_rq"). */
static int bump_codes(struct admin_stats *st, struct bump b, int status)
{
	char code[16], klass[16], stat_code[64], stat_class[64], family[64];
	const char *base = b.stat;
	int rc;
	snprintf(code, sizeof code, "%d", status);
	snprintf(klass, sizeof klass, "%d", status / 100);
	snprintf(stat_code, sizeof stat_code, "%s_%d", base, status);
	snprintf(stat_class, sizeof stat_class, "%s_%dxx", base, status / 100);
	snprintf(family, sizeof family, "%s_xx", base);
	b.stat = stat_code;
	b.stat_family = base;
	b.tag = "envoy_response_code";
	b.tag_value = code;
	rc = bump(st, &b);
	if (rc == 0) {
		b.stat = stat_class;
		b.stat_family = family;
		b.tag = "envoy_response_code_class";
		b.tag_value = klass;
		rc = bump(st, &b);
	}
	return rc;
}

/* The hidden per-host counter: "host|<cluster>|<host>|<stat>". */
static int bump_host(struct admin_stats *st, const char *cluster, const char *host,
                     const char *stat)
{
	struct strbuf name = STRBUF_INIT;
	struct stat_entry *e = NULL;
	if (strbuf_appendf(&name, "host|%s|%s|%s", cluster, host, stat) == 0)
		e = entry(st, strbuf_cstr(&name), "", "", 1);
	if (e)
		e->value++;
	strbuf_free(&name);
	return e ? 0 : -1;
}

static int has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags ? flags : ""; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

int admin_stats_record(struct admin_stats *st, const struct admin_request_record *rec)
{
	int rc = 0;
	pthread_mutex_lock(&st->lock);
	if (rec->listener) {
		struct bump b = {"listener",
		                 rec->listener,
		                 "envoy_listener_address",
		                 "downstream_cx_total",
		                 NULL,
		                 NULL,
		                 NULL,
		                 0};
		rc = bump(st, &b);
	}
	if (rc == 0 && rec->stat_prefix) {
		struct bump b = {"http",
		                 rec->stat_prefix,
		                 "envoy_http_conn_manager_prefix",
		                 "downstream_cx_total",
		                 NULL,
		                 NULL,
		                 NULL,
		                 0};
		rc = bump(st, &b);
		if (rc == 0) {
			b.stat = "downstream_rq_total";
			rc = bump(st, &b);
		}
		if (rc == 0 && rec->status >= 100 && rec->status <= 599) {
			/* the HCM counts classes only: downstream_rq_2xx */
			char klass[16], stat[32];
			struct bump c = b;
			snprintf(klass, sizeof klass, "%d", rec->status / 100);
			snprintf(stat, sizeof stat, "downstream_rq_%dxx", rec->status / 100);
			c.stat = stat;
			c.stat_family = "downstream_rq_xx";
			c.tag = "envoy_response_code_class";
			c.tag_value = klass;
			rc = bump(st, &c);
		}
		if (rc == 0 && has_flag(rec->flags, "NR")) {
			b.stat = "no_route";
			rc = bump(st, &b);
		}
		if (rc == 0 && has_flag(rec->flags, "NC")) {
			b.stat = "no_cluster";
			rc = bump(st, &b);
		}
	}
	if (rc == 0 && rec->cluster) {
		struct bump b = {
		    "cluster", rec->cluster, "envoy_cluster_name", "", NULL, NULL, NULL, 0};
		if (has_flag(rec->flags, "UH") || !rec->host) {
			b.stat = "upstream_cx_none_healthy";
			rc = bump(st, &b);
		} else {
			b.stat = "upstream_cx_total";
			rc = bump(st, &b);
			if (rc == 0) {
				b.stat = "upstream_rq_completed";
				rc = bump(st, &b);
			}
			if (rc == 0) {
				b.stat = "upstream_rq_total";
				rc = bump(st, &b);
			}
			if (rc == 0 && rec->status >= 100 && rec->status <= 599) {
				b.stat = "upstream_rq";
				rc = bump_codes(st, b, rec->status);
			}
			if (rc == 0)
				rc = bump_host(st, rec->cluster, rec->host, "cx_total");
			if (rc == 0)
				rc = bump_host(st, rec->cluster, rec->host, "rq_total");
			if (rc == 0)
				rc = bump_host(st, rec->cluster, rec->host,
				               rec->status >= 500 ? "rq_error" : "rq_success");
		}
	}
	pthread_mutex_unlock(&st->lock);
	return rc;
}

uint64_t admin_stats_get(struct admin_stats *st, const char *name)
{
	struct stat_entry *e;
	uint64_t v = 0;
	pthread_mutex_lock(&st->lock);
	e = strmap_get(&st->index, name);
	if (e)
		v = e->value;
	pthread_mutex_unlock(&st->lock);
	return v;
}

uint64_t admin_stats_host(struct admin_stats *st, const char *cluster, const char *host,
                          const char *stat)
{
	struct strbuf name = STRBUF_INIT;
	uint64_t v = 0;
	if (strbuf_appendf(&name, "host|%s|%s|%s", cluster, host, stat) == 0)
		v = admin_stats_get(st, strbuf_cstr(&name));
	strbuf_free(&name);
	return v;
}

void admin_stats_reset(struct admin_stats *st)
{
	pthread_mutex_lock(&st->lock);
	for (size_t i = 0; i < st->count; i++)
		st->entries[i]->value = 0;
	pthread_mutex_unlock(&st->lock);
}

struct admin_stat_value *admin_stats_copy(struct admin_stats *st, size_t *n)
{
	struct admin_stat_value *out = NULL;
	*n = 0;
	pthread_mutex_lock(&st->lock);
	if (st->count > 0)
		out = calloc(st->count, sizeof *out);
	if (out) {
		for (size_t i = 0; i < st->count; i++) {
			const struct stat_entry *e = st->entries[i];
			out[i].name = e->name;
			out[i].family = e->family;
			out[i].labels = e->labels;
			out[i].value = e->value;
			out[i].hidden = e->hidden;
		}
		*n = st->count;
	}
	pthread_mutex_unlock(&st->lock);
	return out;
}
