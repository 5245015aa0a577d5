/* Which counters one request bumps, by Envoy's names (see admin.h,
 * admin_stats_record): each counter's flat name, its Prometheus family and
 * labels as Envoy's default tag extractors would split it
 * (cluster.<name>.upstream_rq_200 ->
 * envoy_cluster_upstream_rq{envoy_response_code="200",envoy_cluster_name="<name>"}),
 * and whether it is a hidden per-host counter (/clusters only). Pure
 * naming: no counter, no lock; admin_stats.c calls it once per request
 * shape, never per request. */
#include <stdio.h>
#include <string.h>

#include "admin_int.h"
#include "meshlua/strbuf.h"

/* Appends a Prometheus label `key="value"` (value escaped as the exposition
 * format wants: backslash, quote, newline), safe runs in one go. */
static int label(struct strbuf *sb, const char *key, const char *value)
{
	int rc = (sb->len ? strbuf_putc(sb, ',') : 0) || strbuf_puts(sb, key) ||
	         strbuf_append(sb, "=\"", 2);
	for (const char *p = value; rc == 0 && *p;) {
		size_t run = strcspn(p, "\\\"\n");
		rc = strbuf_append(sb, p, run);
		p += run;
		if (rc == 0 && *p) {
			rc = strbuf_append(sb, *p == '\n' ? "\\n" : *p == '"' ? "\\\"" : "\\\\", 2);
			p++;
		}
	}
	return rc ? -1 : strbuf_putc(sb, '"');
}

/* Where the names go, and the buffers they are made in (reused). */
struct sink {
	admin_stat_name_fn fn;
	void *ctx;
	struct strbuf name, family, labels;
};

/* One counter: flat name "<scope>.<object>.<stat>", family
 * "envoy_<scope>_<stat_family>", labels (the tag first, then the object's). */
struct bump {
	const char *scope;       /* "cluster", "http", "listener" */
	const char *object;      /* the cluster name, stat prefix, listener address */
	const char *object_tag;  /* "envoy_cluster_name" ... */
	const char *stat;        /* "upstream_rq_200" */
	const char *stat_family; /* "upstream_rq"; NULL: stat */
	const char *tag;         /* "envoy_response_code"; NULL when none */
	const char *tag_value;   /* "200" */
};

/* Names the counter b stands for and hands it to the sink. */
static int emit(struct sink *k, const struct bump *b)
{
	int rc;
	strbuf_reset(&k->name);
	strbuf_reset(&k->family);
	strbuf_reset(&k->labels);
	rc = strbuf_puts(&k->name, b->scope) || strbuf_putc(&k->name, '.') ||
	     strbuf_puts(&k->name, b->object) || strbuf_putc(&k->name, '.') ||
	     strbuf_puts(&k->name, b->stat);
	rc = rc || strbuf_puts(&k->family, "envoy_") || strbuf_puts(&k->family, b->scope) ||
	     strbuf_putc(&k->family, '_') ||
	     strbuf_puts(&k->family, b->stat_family ? b->stat_family : b->stat);
	rc = rc || (b->tag && label(&k->labels, b->tag, b->tag_value) != 0) ||
	     label(&k->labels, b->object_tag, b->object) != 0;
	if (rc)
		return -1;
	return k->fn(k->ctx, strbuf_cstr(&k->name), strbuf_cstr(&k->family),
	             strbuf_cstr(&k->labels), 0);
}

/* <stat>_<code> and <stat>_<c>xx of b for an HTTP status (Envoy's per-code
 * and per-class counters; b.stat is the base, "upstream_rq"). */
static int emit_codes(struct sink *k, struct bump b, int status)
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
	rc = emit(k, &b);
	if (rc == 0) {
		b.stat = stat_class;
		b.stat_family = family;
		b.tag = "envoy_response_code_class";
		b.tag_value = klass;
		rc = emit(k, &b);
	}
	return rc;
}

/* The hidden per-host counter: "host|<cluster>|<host>|<stat>". */
static int emit_host(struct sink *k, const char *cluster, const char *host, const char *stat)
{
	strbuf_reset(&k->name);
	if (strbuf_puts(&k->name, "host|") || strbuf_puts(&k->name, cluster) ||
	    strbuf_putc(&k->name, '|') || strbuf_puts(&k->name, host) ||
	    strbuf_putc(&k->name, '|') || strbuf_puts(&k->name, stat))
		return -1;
	return k->fn(k->ctx, strbuf_cstr(&k->name), "", "", 1);
}

/* 1 when flag is one of the comma-separated flags. */
static int has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	for (const char *p = flags ? flags : ""; (p = strstr(p, flag)) != NULL; p += n)
		if ((p == flags || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
			return 1;
	return 0;
}

/* The downstream side: the listener's connection and the connection
 * manager's request, its class and its error counters. */
static int emit_downstream(struct sink *k, const struct admin_request_record *rec)
{
	int rc = 0;
	if (rec->listener) {
		struct bump b = {"listener",
		                 rec->listener,
		                 "envoy_listener_address",
		                 "downstream_cx_total",
		                 NULL,
		                 NULL,
		                 NULL};
		rc = emit(k, &b);
	}
	if (rc == 0 && rec->stat_prefix) {
		struct bump b = {"http",
		                 rec->stat_prefix,
		                 "envoy_http_conn_manager_prefix",
		                 "downstream_cx_total",
		                 NULL,
		                 NULL,
		                 NULL};
		rc = emit(k, &b);
		if (rc == 0) {
			b.stat = "downstream_rq_total";
			rc = emit(k, &b);
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
			rc = emit(k, &c);
		}
		if (rc == 0 && has_flag(rec->flags, "NR")) {
			b.stat = "no_route";
			rc = emit(k, &b);
		}
		if (rc == 0 && has_flag(rec->flags, "NC")) {
			b.stat = "no_cluster";
			rc = emit(k, &b);
		}
	}
	return rc;
}

/* The upstream side: the cluster's connection and request counters and
 * the chosen host's, or upstream_cx_none_healthy when no host was. */
static int emit_upstream(struct sink *k, const struct admin_request_record *rec)
{
	struct bump b = {"cluster", rec->cluster, "envoy_cluster_name", "", NULL, NULL, NULL};
	int rc;
	if (has_flag(rec->flags, "UH") || !rec->host) {
		b.stat = "upstream_cx_none_healthy";
		return emit(k, &b);
	}
	b.stat = "upstream_cx_total";
	rc = emit(k, &b);
	if (rc == 0) {
		b.stat = "upstream_rq_completed";
		rc = emit(k, &b);
	}
	if (rc == 0) {
		b.stat = "upstream_rq_total";
		rc = emit(k, &b);
	}
	if (rc == 0 && rec->status >= 100 && rec->status <= 599) {
		b.stat = "upstream_rq";
		rc = emit_codes(k, b, rec->status);
	}
	if (rc == 0)
		rc = emit_host(k, rec->cluster, rec->host, "cx_total");
	if (rc == 0)
		rc = emit_host(k, rec->cluster, rec->host, "rq_total");
	if (rc == 0)
		rc = emit_host(k, rec->cluster, rec->host,
		               rec->status >= 500 ? "rq_error" : "rq_success");
	return rc;
}

int admin_stats_names(const struct admin_request_record *rec, admin_stat_name_fn fn, void *ctx)
{
	struct sink k = {fn, ctx, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT};
	int rc = emit_downstream(&k, rec);
	if (rc == 0 && rec->cluster)
		rc = emit_upstream(&k, rec);
	strbuf_free(&k.name);
	strbuf_free(&k.family);
	strbuf_free(&k.labels);
	return rc;
}
