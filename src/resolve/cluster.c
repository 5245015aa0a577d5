/* Clusters and their endpoints, compiled once per snapshot: type and load
 * balancing policy, endpoints grouped by priority and locality with their
 * EDS health, the per-priority loads and panic flags of Envoy's
 * LoadBalancerBase (integer math, overprovisioning factor 140, panic at
 * 50%: reference/envoy.md section 5, rule 11), and the RING_HASH and
 * MAGLEV tables built from the hosts each priority serves. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

static enum rs_health health_of(const char *s)
{
	if (!s || strcmp(s, "HEALTHY") == 0 || strcmp(s, "UNKNOWN") == 0)
		return EP_HEALTHY;
	if (strcmp(s, "DEGRADED") == 0)
		return EP_DEGRADED;
	if (strcmp(s, "DRAINING") == 0)
		return EP_EXCLUDED; /* exclude_host_in_eds_status_draining (new default) */
	return EP_UNHEALTHY;        /* UNHEALTHY, TIMEOUT */
}

static const char *lb_from_policy(const struct node *cluster, enum rs_lb *lb)
{
	/* The newer load_balancing_policy: the first policy meshlua knows. */
	const struct node *list =
	    node_field(node_field(cluster, "load_balancing_policy"), "policies");
	static const struct {
		const char *suffix;
		enum rs_lb lb;
		const char *name;
	} known[] = {
	    {"round_robin.v3.RoundRobin", LB_ROUND_ROBIN, "ROUND_ROBIN"},
	    {"least_request.v3.LeastRequest", LB_LEAST_REQUEST, "LEAST_REQUEST"},
	    {"random.v3.Random", LB_RANDOM, "RANDOM"},
	    {"ring_hash.v3.RingHash", LB_RING_HASH, "RING_HASH"},
	    {"maglev.v3.Maglev", LB_MAGLEV, "MAGLEV"},
	    {"client_side_weighted_round_robin.v3.ClientSideWeightedRoundRobin", LB_ROUND_ROBIN,
	     "ROUND_ROBIN"},
	};
	for (size_t i = 0; list && list->type == NODE_SEQ && i < list->len; i++) {
		const char *t =
		    rs_text(node_field(node_field(list->items[i], "typed_extension_config"),
		                       "typed_config"),
		            "@type");
		for (size_t k = 0; t && k < sizeof known / sizeof known[0]; k++) {
			size_t a = strlen(t), b = strlen(known[k].suffix);
			if (a >= b && strcmp(t + a - b, known[k].suffix) == 0) {
				*lb = known[k].lb;
				return known[k].name;
			}
		}
	}
	return NULL;
}

static int lb_compile(struct rs_build *b, const struct node *n, struct rs_cluster *cl)
{
	const char *p = rs_text(n, "lb_policy");
	const char *from_policy;
	cl->lb = LB_ROUND_ROBIN;
	cl->lb_name = "ROUND_ROBIN";
	if ((from_policy = lb_from_policy(n, &cl->lb))) {
		cl->lb_name = from_policy;
		return 0;
	}
	if (!p || strcmp(p, "ROUND_ROBIN") == 0)
		return 0;
	cl->lb_name = p;
	if (strcmp(p, "LEAST_REQUEST") == 0)
		cl->lb = LB_LEAST_REQUEST;
	else if (strcmp(p, "RANDOM") == 0)
		cl->lb = LB_RANDOM;
	else if (strcmp(p, "RING_HASH") == 0)
		cl->lb = LB_RING_HASH;
	else if (strcmp(p, "MAGLEV") == 0)
		cl->lb = LB_MAGLEV;
	else if (strcmp(p, "CLUSTER_PROVIDED") == 0 || strcmp(p, "ORIGINAL_DST_LB") == 0)
		cl->lb = LB_CLUSTER_PROVIDED;
	else if (strcmp(p, "LOAD_BALANCING_POLICY_CONFIG") != 0)
		return rs_fail(b, node_field(n, "lb_policy"), "unknown lb_policy \"%s\"", p);
	return 0;
}

static int endpoint_compile(struct rs_build *b, const struct node *le, int use_hostname,
                            struct rs_endpoint *ep)
{
	const struct node *e = node_field(le, "endpoint");
	const struct node *addr = node_field(e, "address");
	const struct node *sa = node_field(addr, "socket_address");
	const char *hk = rs_text(
	    node_field(node_field(node_field(le, "metadata"), "filter_metadata"), "envoy.lb"),
	    "hash_key");
	uint64_t port, weight;
	char buf[300];
	ep->json = le;
	if (sa) {
		ep->address = rs_text(sa, "address");
		if (rs_uint(b, sa, "port_value", 0, 65535, &port) < 0)
			return -1;
		ep->port = (uint32_t)port;
	} else if (node_field(addr, "envoy_internal_address")) {
		ep->address =
		    rs_text(node_field(addr, "envoy_internal_address"), "server_listener_name");
	} else if (node_field(addr, "pipe")) {
		ep->address = rs_text(node_field(addr, "pipe"), "path");
	}
	if (!ep->address)
		ep->address = "";
	if (rs_uint(b, le, "load_balancing_weight", 1, UINT32_MAX, &weight) < 0)
		return -1;
	ep->weight = weight ? (uint32_t)weight : 1;
	ep->health = health_of(rs_text(le, "health_status"));
	if (hk && *hk) {
		ep->hash_key = hk;
	} else if (use_hostname && rs_text(e, "hostname")) {
		ep->hash_key = rs_text(e, "hostname");
	} else {
		/* Envoy hashes the address's string form: "ip:port", "[v6]:port". */
		snprintf(buf, sizeof buf, strchr(ep->address, ':') ? "[%s]:%u" : "%s:%u",
		         ep->address, (unsigned)ep->port);
		if (!(ep->hash_key = arena_strdup(b->arena, buf)))
			return rs_fail(b, le, "out of memory");
	}
	return 0;
}

/* Envoy's distributeLoad: as much load as availability allows, from P0. */
static int distribute(struct rs_cluster *cl, int degraded, uint32_t *total_load, uint32_t nta)
{
	int first = -1;
	for (size_t i = 0; i < cl->prio_count; i++) {
		struct rs_priority *p = &cl->prios[i];
		uint32_t avail = degraded ? p->degraded_load : p->healthy_load, load;
		if (first < 0 && avail > 0)
			first = (int)i;
		load = avail * 100 / nta;
		if (load > *total_load)
			load = *total_load;
		if (degraded)
			p->degraded_load = load;
		else
			p->healthy_load = load;
		*total_load -= load;
	}
	return first;
}

/* Per-priority loads and panic flags (LoadBalancerBase::recalculate*). */
static void compute_loads(struct rs_cluster *cl)
{
	uint32_t nta = 0, remaining = 100;
	size_t all_hosts = 0;
	int first_h, first_d, all_panic = 1;
	for (size_t i = 0; i < cl->prio_count; i++) {
		struct rs_priority *p = &cl->prios[i];
		/* health and degraded availability, kept in the load fields for now */
		p->healthy_load = p->degraded_load = 0;
		if (p->total) {
			uint64_t h = (uint64_t)cl->overprovisioning * p->healthy / p->total;
			uint64_t d = (uint64_t)cl->overprovisioning * p->degraded / p->total;
			p->healthy_load = h > 100 ? 100 : (uint32_t)h;
			p->degraded_load = d > 100 ? 100 : (uint32_t)d;
		}
		nta += p->healthy_load + p->degraded_load;
		all_hosts += p->total;
	}
	if (nta > 100)
		nta = 100;
	if (nta > 0) {
		first_h = distribute(cl, 0, &remaining, nta);
		first_d = distribute(cl, 1, &remaining, nta);
		if (remaining) {
			if (first_h >= 0)
				cl->prios[first_h].healthy_load += remaining;
			else if (first_d >= 0)
				cl->prios[first_d].degraded_load += remaining;
		}
	}
	if (cl->panic_threshold == 0 && nta == 0) {
		if (cl->prio_count)
			cl->prios[0].healthy_load = 100;
		return;
	}
	for (size_t i = 0; i < cl->prio_count; i++) {
		struct rs_priority *p = &cl->prios[i];
		double healthy_pct =
		    p->total ? 100.0 * (double)(p->healthy + p->degraded) / (double)p->total : 0.0;
		p->panic = nta == 100 ? 0 : healthy_pct < (double)cl->panic_threshold;
		all_panic &= p->panic;
	}
	if (all_panic && cl->prio_count) {
		/* Total panic: load follows host counts, healthy or not. */
		int first = -1;
		remaining = 100;
		cl->total_panic = 1;
		for (size_t i = 0; i < cl->prio_count; i++) {
			struct rs_priority *p = &cl->prios[i];
			uint32_t load = all_hosts ? (uint32_t)(100 * p->total / all_hosts) : 0;
			if (first < 0 && p->total)
				first = (int)i;
			p->healthy_load = load;
			p->degraded_load = 0;
			remaining -= load;
		}
		cl->prios[first < 0 ? 0 : first].healthy_load += remaining;
	}
}

/* ---- hash tables ---- */

struct weighted {
	const struct rs_endpoint *ep;
	double w;
};

static int cmp_ring(const void *a, const void *b)
{
	const struct rs_ring_entry *x = a, *y = b;
	return x->hash < y->hash ? -1 : x->hash > y->hash;
}

/* The hosts a hash LB of p serves, with normalized weights. */
static size_t normalized(const struct rs_cluster *cl, const struct rs_priority *p,
                         struct weighted *out, double *min_w, double *max_w)
{
	const struct rs_endpoint **hosts = p->panic ? p->all : p->healthy_eps;
	size_t n = p->panic ? p->total : p->healthy;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		double w = hosts[i]->weight;
		if (cl->locality_weighted)
			w *= p->locs[hosts[i]->locality].weight;
		out[i].ep = hosts[i];
		out[i].w = w;
		sum += w;
	}
	*min_w = 1.0;
	*max_w = 0.0;
	for (size_t i = 0; i < n; i++) {
		out[i].w = sum > 0 ? out[i].w / sum : 0;
		if (out[i].w < *min_w)
			*min_w = out[i].w;
		if (out[i].w > *max_w)
			*max_w = out[i].w;
	}
	return n;
}

static int build_ring(struct rs_build *b, const struct rs_cluster *cl, struct rs_priority *p,
                      struct weighted *hw, size_t n, double min_w)
{
	double scale, current = 0, target = 0;
	size_t size, used = 0;
	char key[512];
	if (!n)
		return 0;
	scale = ceil(min_w * (double)cl->ring_min) / min_w;
	if (scale > (double)cl->ring_max)
		scale = (double)cl->ring_max;
	size = (size_t)ceil(scale);
	if (!(p->ring = arena_alloc(b->arena, (size + n + 1) * sizeof *p->ring)))
		return rs_fail(b, cl->json, "out of memory");
	for (size_t h = 0; h < n; h++) {
		uint64_t i = 0;
		target += scale * hw[h].w;
		while (current < target && used < size + n) {
			int len = snprintf(key, sizeof key, "%s_%llu", hw[h].ep->hash_key,
			                   (unsigned long long)i);
			p->ring[used].hash = resolve_xxhash64(key, (size_t)len, 0);
			p->ring[used].ep = hw[h].ep;
			used++;
			i++;
			current += 1;
		}
	}
	qsort(p->ring, used, sizeof *p->ring, cmp_ring);
	p->ring_size = used;
	return 0;
}

static int build_maglev(struct rs_build *b, const struct rs_cluster *cl, struct rs_priority *p,
                        struct weighted *hw, size_t n, double max_w, uint64_t size)
{
	struct entry {
		uint64_t offset, skip, next;
		double target;
	} * e;
	uint64_t filled = 0;
	if (!n)
		return 0;
	if (!(p->maglev = arena_calloc(b->arena, size, sizeof *p->maglev)) ||
	    !(e = calloc(n, sizeof *e)))
		return rs_fail(b, cl->json, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *k = hw[i].ep->hash_key;
		e[i].offset = resolve_xxhash64(k, strlen(k), 0) % size;
		e[i].skip = resolve_xxhash64(k, strlen(k), 1) % (size - 1) + 1;
	}
	for (uint64_t iteration = 1; filled < size; iteration++) {
		for (size_t i = 0; i < n && filled < size; i++) {
			uint64_t c;
			if ((double)iteration * hw[i].w < e[i].target)
				continue;
			e[i].target += max_w;
			c = (e[i].offset + e[i].skip * e[i].next) % size;
			while (p->maglev[c]) {
				e[i].next++;
				c = (e[i].offset + e[i].skip * e[i].next) % size;
			}
			p->maglev[c] = hw[i].ep;
			e[i].next++;
			filled++;
		}
	}
	free(e);
	p->maglev_size = size;
	return 0;
}

static int build_hash_tables(struct rs_build *b, struct rs_cluster *cl, uint64_t maglev_size)
{
	for (size_t i = 0; i < cl->prio_count; i++) {
		struct rs_priority *p = &cl->prios[i];
		size_t cap = p->total ? p->total : 1;
		struct weighted *hw = malloc(cap * sizeof *hw);
		double min_w, max_w;
		size_t n;
		int rc;
		if (!hw)
			return rs_fail(b, cl->json, "out of memory");
		n = normalized(cl, p, hw, &min_w, &max_w);
		rc = cl->lb == LB_RING_HASH ? build_ring(b, cl, p, hw, n, min_w)
		                            : build_maglev(b, cl, p, hw, n, max_w, maglev_size);
		free(hw);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- endpoints by priority ---- */

static int endpoints_compile(struct rs_build *b, struct rs_cluster *cl, const struct node *cla)
{
	const struct node *locs = node_field(cla, "endpoints");
	size_t max_prio = 0;
	uint64_t of;
	if (rs_uint(b, node_field(cla, "policy"), "overprovisioning_factor", 140, UINT32_MAX, &of) <
	    0)
		return -1;
	cl->overprovisioning = (uint32_t)of;
	if (!locs || locs->type != NODE_SEQ || !locs->len)
		return 0;
	for (size_t i = 0; i < locs->len; i++) {
		uint64_t prio;
		if (rs_uint(b, locs->items[i], "priority", 0, 127, &prio) < 0)
			return -1;
		if (prio > max_prio)
			max_prio = prio;
	}
	cl->prio_count = max_prio + 1;
	if (!(cl->prios = arena_calloc(b->arena, cl->prio_count, sizeof *cl->prios)))
		return rs_fail(b, locs, "out of memory");
	/* Count localities per priority, then fill. */
	for (size_t i = 0; i < locs->len; i++) {
		uint64_t prio;
		rs_uint(b, locs->items[i], "priority", 0, 127, &prio);
		cl->prios[prio].loc_count++;
	}
	for (size_t p = 0; p < cl->prio_count; p++) {
		struct rs_priority *pr = &cl->prios[p];
		if (pr->loc_count &&
		    !(pr->locs = arena_calloc(b->arena, pr->loc_count, sizeof *pr->locs)))
			return rs_fail(b, locs, "out of memory");
		pr->loc_count = 0;
	}
	for (size_t i = 0; i < locs->len; i++) {
		const struct node *ln = locs->items[i], *lbe = node_field(ln, "lb_endpoints");
		uint64_t prio, w;
		struct rs_priority *pr;
		struct rs_locality *loc;
		rs_uint(b, ln, "priority", 0, 127, &prio);
		pr = &cl->prios[prio];
		loc = &pr->locs[pr->loc_count];
		loc->json = ln;
		if (rs_uint(b, ln, "load_balancing_weight", 1, UINT32_MAX, &w) < 0)
			return -1;
		loc->weight = (uint32_t)w;
		if (lbe && lbe->type == NODE_SEQ && lbe->len) {
			if (!(loc->eps = arena_calloc(b->arena, lbe->len, sizeof *loc->eps)))
				return rs_fail(b, lbe, "out of memory");
			for (size_t k = 0; k < lbe->len; k++) {
				struct rs_endpoint *ep = &loc->eps[k];
				if (endpoint_compile(b, lbe->items[k], cl->use_hostname, ep) < 0)
					return -1;
				ep->locality = (int)pr->loc_count;
				ep->index = (int)k;
				if (ep->health != EP_EXCLUDED)
					loc->eligible++;
				loc->healthy += ep->health == EP_HEALTHY;
				loc->degraded += ep->health == EP_DEGRADED;
			}
			loc->count = lbe->len;
		}
		pr->total += loc->eligible;
		pr->healthy += loc->healthy;
		pr->degraded += loc->degraded;
		pr->loc_count++;
	}
	for (size_t p = 0; p < cl->prio_count; p++) {
		struct rs_priority *pr = &cl->prios[p];
		size_t a = 0, h = 0, d = 0;
		uint32_t w0 = 0;
		pr->equal_weights = 1;
		if (!(pr->all = arena_calloc(b->arena, pr->total + 1, sizeof *pr->all)) ||
		    !(pr->healthy_eps = arena_calloc(b->arena, pr->healthy + 1, sizeof *pr->all)) ||
		    !(pr->degraded_eps = arena_calloc(b->arena, pr->degraded + 1, sizeof *pr->all)))
			return rs_fail(b, locs, "out of memory");
		for (size_t l = 0; l < pr->loc_count; l++)
			for (size_t k = 0; k < pr->locs[l].count; k++) {
				const struct rs_endpoint *ep = &pr->locs[l].eps[k];
				if (ep->health == EP_EXCLUDED)
					continue;
				if (!w0)
					w0 = ep->weight;
				if (ep->weight != w0)
					pr->equal_weights = 0;
				pr->all[a++] = ep;
				if (ep->health == EP_HEALTHY)
					pr->healthy_eps[h++] = ep;
				else if (ep->health == EP_DEGRADED)
					pr->degraded_eps[d++] = ep;
			}
	}
	return 0;
}

int rs_cluster_compile(struct rs_build *b, const struct node *n, const char *name,
                       const struct node *cla, int endpoints_known, struct rs_cluster *cl)
{
	const char *type = rs_text(n, "type");
	const struct node *common = node_field(n, "common_lb_config");
	const struct node *panic = node_field(common, "healthy_panic_threshold");
	const struct node *rh = node_field(n, "ring_hash_lb_config");
	uint64_t choice, maglev_size;
	cl->json = n;
	cl->name = name;
	cl->blackhole = strcmp(name, "BlackHoleCluster") == 0;
	rs_where(b, "cluster \"%s\"", name);
	cl->type = CT_STATIC;
	cl->type_name = type ? type : "STATIC";
	if (node_field(n, "cluster_type")) {
		cl->type = CT_OTHER;
		cl->type_name = rs_text(node_field(n, "cluster_type"), "name");
		if (!cl->type_name)
			cl->type_name = "custom";
	} else if (type && strcmp(type, "STRICT_DNS") == 0) {
		cl->type = CT_STRICT_DNS;
	} else if (type && strcmp(type, "LOGICAL_DNS") == 0) {
		cl->type = CT_LOGICAL_DNS;
	} else if (type && strcmp(type, "EDS") == 0) {
		cl->type = CT_EDS;
	} else if (type && strcmp(type, "ORIGINAL_DST") == 0) {
		cl->type = CT_ORIGINAL_DST;
	} else if (type && strcmp(type, "STATIC") != 0) {
		return rs_fail(b, node_field(n, "type"), "unknown type \"%s\"", type);
	}
	if (lb_compile(b, n, cl) < 0)
		return -1;
	cl->use_http_header =
	    rs_bool(node_field(n, "original_dst_lb_config"), "use_http_header", 0);
	cl->locality_weighted = node_field(common, "locality_weighted_lb_config") != NULL;
	cl->use_hostname = rs_bool(node_field(common, "consistent_hashing_lb_config"),
	                           "use_hostname_for_hashing", 0);
	cl->panic_threshold = 50;
	if (panic) {
		const struct node *v = node_field(panic, "value");
		double pct = v && v->type == NODE_SCALAR ? strtod(v->str, NULL) : 0;
		cl->panic_threshold = pct > 100 ? 100 : pct < 0 ? 0 : (uint32_t)pct;
	}
	if (rs_uint(b, node_field(n, "least_request_lb_config"), "choice_count", 2, 100, &choice) <
	        0 ||
	    rs_uint(b, rh, "minimum_ring_size", 1024, 8388608, &cl->ring_min) < 0 ||
	    rs_uint(b, rh, "maximum_ring_size", 8388608, 8388608, &cl->ring_max) < 0 ||
	    rs_uint(b, node_field(n, "maglev_lb_config"), "table_size", 65537, 5000011,
	            &maglev_size) < 0)
		return -1;
	cl->choice_count = (uint32_t)(choice ? choice : 2);
	if (cl->ring_min == 0)
		cl->ring_min = 1024;
	cl->cla = cla ? cla : node_field(n, "load_assignment");
	cl->endpoints_known = endpoints_known || node_field(n, "load_assignment") != NULL;
	cl->overprovisioning = 140;
	if (cl->cla && endpoints_compile(b, cl, cl->cla) < 0)
		return -1;
	compute_loads(cl);
	if (cl->prio_count == 1 && cl->prios[0].healthy_load == 100 && !cl->prios[0].panic &&
	    cl->prios[0].equal_weights && cl->prios[0].healthy &&
	    cl->prios[0].healthy <= RS_FAST_EPS &&
	    (!cl->locality_weighted || cl->prios[0].loc_count <= 1) &&
	    (cl->lb == LB_ROUND_ROBIN || cl->lb == LB_LEAST_REQUEST || cl->lb == LB_RANDOM) &&
	    cl->type != CT_ORIGINAL_DST && !cl->blackhole) {
		cl->fast = 1;
		cl->fast_n = (uint32_t)cl->prios[0].healthy;
		for (size_t i = 0; i < cl->fast_n; i++) {
			const struct rs_endpoint *ep = cl->prios[0].healthy_eps[i];
			cl->fast_eps[i].address = ep->address;
			cl->fast_eps[i].json = ep->json;
			cl->fast_eps[i].port = ep->port;
			cl->fast_eps[i].locality = ep->locality;
			cl->fast_eps[i].index = ep->index;
		}
	}
	if ((cl->lb == LB_RING_HASH || cl->lb == LB_MAGLEV) &&
	    build_hash_tables(b, cl, maglev_size) < 0)
		return -1;
	b->where[0] = '\0';
	return 0;
}
