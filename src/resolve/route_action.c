/* What a matched route does: forward to a cluster (named, from a header,
 * or picked among weighted clusters), redirect, or answer directly; and the
 * request hash of its hash_policy. Weighted picks follow Envoy's
 * WeightedClusterSpecifierPlugin: the selection value (hash, header or the
 * stream's random value) modulo the sum of the weights, located in
 * half-open intervals in configuration order (reference rule 6). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

/* The first value of a header (Envoy's cluster_header reads entry[0]). */
static int first_value(struct rs_ctx *c, const char *name, const char **v, size_t *len)
{
	for (size_t i = 0; i < c->h.count; i++)
		if (rs_ieq(c->h.name[i], strlen(c->h.name[i]), name, strlen(name))) {
			*v = c->h.value[i];
			*len = rs_hview_len(&c->h, i);
			return 1;
		}
	return 0;
}

/* The integer in a single-valued header (weighted_clusters.header_name). */
static int header_number(struct rs_ctx *c, const char *name, uint64_t *out)
{
	const char *v;
	size_t len, seen = 0;
	char buf[32], *end;
	for (size_t i = 0; i < c->h.count; i++)
		if (rs_ieq(c->h.name[i], strlen(c->h.name[i]), name, strlen(name)))
			seen++;
	if (seen != 1 || !first_value(c, name, &v, &len) || len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return !errno && !*end && buf[0] != '-';
}

static int cmp_view(const void *a, const void *b)
{
	const struct resolve_header *x = a, *y = b;
	int r = strcmp(x->value, y->value);
	return r;
}

/* Hash of the header's values, sorted, as one byte string (Envoy hashes
 * the sorted values, so their order does not matter). */
static int hash_header(struct rs_ctx *c, const struct rs_hash_policy *p, uint64_t *out)
{
	struct resolve_header vals[16];
	size_t n = 0;
	char buf[4096];
	size_t used = 0;
	for (size_t i = 0; i < c->h.count && n < 16; i++)
		if (rs_ieq(c->h.name[i], strlen(c->h.name[i]), p->name, strlen(p->name)))
			vals[n++].value = c->h.value[i];
	if (!n)
		return 0;
	if (n == 1) {
		*out = resolve_xxhash64(vals[0].value, strlen(vals[0].value), 0);
		return 1;
	}
	qsort(vals, n, sizeof vals[0], cmp_view);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(vals[i].value);
		if (used + l > sizeof buf)
			break;
		memcpy(buf + used, vals[i].value, l);
		used += l;
	}
	*out = resolve_xxhash64(buf, used, 0);
	return 1;
}

/* The value of cookie name in the cookie header(s). */
static int cookie_value(struct rs_ctx *c, const char *name, const char **v, size_t *len)
{
	size_t nlen = strlen(name);
	for (size_t i = 0; i < c->h.count; i++) {
		const char *s = c->h.value[i], *end = s + rs_hview_len(&c->h, i);
		if (!rs_ieq(c->h.name[i], strlen(c->h.name[i]), "cookie", 6))
			continue;
		while (s < end) {
			const char *semi = memchr(s, ';', (size_t)(end - s)),
			           *stop = semi ? semi : end;
			const char *eq;
			while (s < stop && *s == ' ')
				s++;
			eq = memchr(s, '=', (size_t)(stop - s));
			if (eq && (size_t)(eq - s) == nlen && memcmp(s, name, nlen) == 0) {
				*v = eq + 1;
				*len = (size_t)(stop - eq - 1);
				if (*len >= 2 && (*v)[0] == '"' && (*v)[*len - 1] == '"') {
					(*v)++;
					*len -= 2;
				}
				return 1;
			}
			s = semi ? semi + 1 : end;
		}
	}
	return 0;
}

uint64_t rs_route_hash(struct rs_ctx *c, const struct rs_route *r, int *has)
{
	uint64_t hash = 0;
	*has = 0;
	for (size_t i = 0; i < r->hash_count; i++) {
		const struct rs_hash_policy *p = &r->hash[i];
		uint64_t h = 0;
		int got = 0;
		const char *v;
		size_t len;
		switch (p->kind) {
		case HP_HEADER:
			got = hash_header(c, p, &h);
			break;
		case HP_COOKIE:
			if ((got = cookie_value(c, p->name, &v, &len)))
				h = resolve_xxhash64(v, len, 0);
			break;
		case HP_SOURCE_IP:
			if ((got = c->req->source_address != NULL))
				h = resolve_xxhash64(c->req->source_address,
				                     strlen(c->req->source_address), 0);
			break;
		case HP_QUERY:
			if (c->full_path && (got = rs_query_get(c->full_path, strlen(c->full_path),
			                                        p->name, &v, &len)))
				h = resolve_xxhash64(v, len, 0);
			break;
		default:
			break;
		}
		if (got) {
			/* Envoy: rotate the old value so equal rules do not cancel out. */
			uint64_t old = *has ? ((hash << 1) | (hash >> 63)) : 0;
			hash = old ^ h;
			*has = 1;
		}
		if (p->terminal && *has)
			break;
	}
	return hash;
}

static void pick_weighted(struct rs_ctx *c, const struct rs_route *r, struct resolve_result *out)
{
	uint64_t value = c->random_value, v, begin = 0;
	const char *source = "random_value";
	int has_hash = 0;
	if (r->weight_use_hash) {
		uint64_t h = rs_route_hash(c, r, &has_hash);
		if (has_hash) {
			value = h;
			source = "hash";
		}
	}
	if (!has_hash && r->weight_header && header_number(c, r->weight_header, &v)) {
		value = v;
		source = "header";
	}
	v = value % r->total_weight;
	out->weighted_value = value;
	out->weighted_total = r->total_weight;
	for (size_t i = 0; i < r->weight_count; i++) {
		const struct rs_weight *w = &r->weights[i];
		if (v >= begin && v < begin + w->weight) {
			out->weighted_index = (int)i;
			out->priv_weight = w;
			if (w->cluster_header) {
				const char *name = "";
				size_t len = 0;
				first_value(c, w->cluster_header, &name, &len);
				out->cluster = name;
				out->cluster_len = len;
			} else {
				out->cluster = w->name;
				out->cluster_len = strlen(w->name);
			}
			rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_CHOSEN, w->name, (int)i, "weighted",
			        source, NULL, 0, NULL, 0);
			return;
		}
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_REJECTED, w->name, (int)i, "weighted",
		        source, NULL, 0, NULL, 0);
		begin += w->weight;
	}
}

void rs_route_action(struct rs_ctx *c, const struct rs_route *r, struct resolve_result *out)
{
	switch (r->action) {
	case ACT_CLUSTER:
		out->cluster = r->cluster;
		out->cluster_len = r->cluster_len;
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_CHOSEN, r->cluster, -1, "cluster", NULL,
		        NULL, 0, NULL, 0);
		break;
	case ACT_CLUSTER_HEADER: {
		const char *v = "";
		size_t len = 0;
		int present = first_value(c, r->cluster_header, &v, &len);
		out->cluster = v;
		out->cluster_len = len;
		rs_note(c, RESOLVE_STEP_ACTION, present ? RESOLVE_CHOSEN : RESOLVE_REJECTED, "", -1,
		        present ? "cluster_header" : "cluster_header_missing", r->cluster_header,
		        NULL, 0, v, len);
		break;
	}
	case ACT_WEIGHTED:
		pick_weighted(c, r, out);
		break;
	case ACT_REDIRECT:
		out->outcome = RESOLVE_REDIRECT;
		out->status = r->r_code;
		out->flags = "";
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_CHOSEN, "", -1, "redirect", NULL, NULL, 0,
		        NULL, 0);
		return;
	case ACT_DIRECT:
		out->outcome = RESOLVE_DIRECT_RESPONSE;
		out->status = r->d_status;
		out->flags = "";
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_CHOSEN, "", -1, "direct_response", NULL,
		        NULL, 0, NULL, 0);
		return;
	case ACT_PLUGIN:
	case ACT_NON_FORWARDING:
		out->outcome = RESOLVE_UNSUPPORTED;
		rs_note(c, RESOLVE_STEP_ACTION, RESOLVE_INFO, "", -1,
		        r->action == ACT_PLUGIN ? "cluster_specifier_plugin" : "non_forwarding",
		        NULL, NULL, 0, NULL, 0);
		return;
	}
	if (out->cluster_len == 0) {
		/* No cluster name (cluster_header absent): Envoy answers NC. */
		out->outcome = RESOLVE_NO_CLUSTER;
		out->status = r->not_found_code;
		out->flags = "NC";
		return;
	}
	out->outcome = RESOLVE_FORWARDED;
	out->status = 0;
	out->flags = "";
}
