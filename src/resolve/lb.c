/* Endpoint selection inside a cluster, as Envoy's load balancers do it:
 * the priority from hash % 100 + 1 against the cumulative healthy then
 * degraded loads, all hosts of a priority in panic, the locality by weight
 * times availability when locality weighted, then the policy: ROUND_ROBIN
 * (a position per cluster in the resolver), LEAST_REQUEST (power of
 * choice_count random picks; no request is ever active here), RANDOM,
 * RING_HASH (first ring entry at or after the hash, wrapping) and MAGLEV
 * (table[hash % size]). ORIGINAL_DST forwards to the requested address. */
#include <stdio.h>
#include <string.h>

#include "resolve_int.h"

static void ep_note(struct rs_ctx *c, enum resolve_verdict v, const char *why,
                    const struct rs_endpoint *ep, const char *detail)
{
	char addr[320];
	if (!c->note)
		return;
	if (ep)
		snprintf(addr, sizeof addr, "%s:%u", ep->address, (unsigned)ep->port);
	rs_note(c, RESOLVE_STEP_ENDPOINT, v, ep ? addr : "", ep ? ep->index : -1, why, NULL, detail,
	        detail ? strlen(detail) : 0, NULL, 0);
}

static void set_endpoint(struct resolve_result *out, const struct rs_endpoint *ep, size_t prio,
                         int panic)
{
	out->endpoint_json = ep->json;
	out->endpoint_address = ep->address;
	out->endpoint_port = ep->port;
	out->priority = (uint32_t)prio;
	out->locality_index = ep->locality;
	out->endpoint_index = ep->index;
	out->panic = panic;
	out->outcome = RESOLVE_FORWARDED;
	out->status = 0;
	out->flags = "";
}

/* LoadBalancerBase::choosePriority. */
static size_t choose_priority(const struct rs_cluster *cl, uint64_t hash, int *degraded)
{
	uint32_t h = (uint32_t)(hash % 100) + 1, sum = 0;
	*degraded = 0;
	for (size_t i = 0; i < cl->prio_count; i++) {
		sum += cl->prios[i].healthy_load;
		if (h <= sum)
			return i;
	}
	for (size_t i = 0; i < cl->prio_count; i++) {
		sum += cl->prios[i].degraded_load;
		if (h <= sum) {
			*degraded = 1;
			return i;
		}
	}
	return 0;
}

/* The hosts of locality l of p that the source type serves. */
static size_t locality_hosts(const struct rs_priority *p, size_t l, int degraded,
                             const struct rs_endpoint **out, size_t cap)
{
	size_t n = 0;
	for (size_t k = 0; k < p->locs[l].count && n < cap; k++) {
		const struct rs_endpoint *ep = &p->locs[l].eps[k];
		if (ep->health == (degraded ? EP_DEGRADED : EP_HEALTHY))
			out[n++] = ep;
	}
	return n;
}

/* A locality by effective weight (weight * min(1, OF/100 * available
 * share)), drawn with the resolver's random source. */
static int choose_locality(struct rs_ctx *c, const struct rs_cluster *cl,
                           const struct rs_priority *p, int degraded)
{
	double total = 0, x;
	for (size_t l = 0; l < p->loc_count; l++) {
		const struct rs_locality *loc = &p->locs[l];
		double avail = loc->eligible ? (double)(degraded ? loc->degraded : loc->healthy) /
		                                   (double)loc->eligible
		                             : 0;
		double eff = avail * cl->overprovisioning / 100.0;
		total += loc->weight * (eff > 1 ? 1 : eff);
	}
	if (total <= 0)
		return -1;
	x = (double)(rs_random(c->resolver) >> 11) * 0x1.0p-53 * total;
	for (size_t l = 0; l < p->loc_count; l++) {
		const struct rs_locality *loc = &p->locs[l];
		double avail = loc->eligible ? (double)(degraded ? loc->degraded : loc->healthy) /
		                                   (double)loc->eligible
		                             : 0;
		double eff = avail * cl->overprovisioning / 100.0,
		       w = loc->weight * (eff > 1 ? 1 : eff);
		if (x < w)
			return (int)l;
		x -= w;
	}
	return (int)p->loc_count - 1;
}

static const struct rs_endpoint *ring_pick(const struct rs_priority *p, uint64_t h)
{
	size_t lo = 0, hi = p->ring_size;
	if (!p->ring_size)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->ring[mid].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return p->ring[lo == p->ring_size ? 0 : lo].ep;
}

/* Weighted round robin by cumulative weight (Envoy uses an EDF schedule;
 * the shares are the same). */
static const struct rs_endpoint *weighted_pick(const struct rs_endpoint **hosts, size_t n,
                                               uint64_t position)
{
	uint64_t total = 0, k;
	for (size_t i = 0; i < n; i++)
		total += hosts[i]->weight;
	k = position % total;
	for (size_t i = 0; i < n; i++) {
		if (k < hosts[i]->weight)
			return hosts[i];
		k -= hosts[i]->weight;
	}
	return hosts[n - 1];
}

static void replay(struct rs_ctx *c, const struct rs_cluster *cl, struct resolve_result *out)
{
	const struct resolve_result *prev = c->replay;
	const struct rs_priority *p;
	if (prev->endpoint_index < 0 || prev->priority >= cl->prio_count ||
	    prev->locality_index < 0 ||
	    (size_t)prev->locality_index >= cl->prios[prev->priority].loc_count) {
		out->outcome = prev->outcome;
		out->status = prev->status;
		out->flags = prev->flags;
		return;
	}
	p = &cl->prios[prev->priority];
	set_endpoint(out, &p->locs[prev->locality_index].eps[prev->endpoint_index], prev->priority,
	             prev->panic);
	ep_note(c, RESOLVE_CHOSEN, cl->lb_name,
	        &p->locs[prev->locality_index].eps[prev->endpoint_index], NULL);
}

void rs_endpoint_pick(struct rs_ctx *c, const struct rs_cluster *cl, int has_hash, uint64_t hash,
                      struct resolve_result *out)
{
	const struct rs_endpoint *hosts_buf[256], **hosts, *ep = NULL;
	const struct rs_priority *p;
	size_t prio, n;
	int degraded, loc = -1;
	uint64_t h;
	char detail[64];
	if (cl->fast && !c->note && !c->replay) {
		/* The same draws as the general path below, fewer cache lines. */
		uint64_t r = rs_random(c->resolver);
		const struct rs_fast_ep *pick;
		if (cl->lb == LB_RANDOM) {
			pick = &cl->fast_eps[r % cl->fast_n];
		} else if (cl->lb == LB_LEAST_REQUEST) {
			pick = &cl->fast_eps[rs_random(c->resolver) % cl->fast_n];
			for (uint32_t k = 1; k < cl->choice_count; k++)
				rs_random(c->resolver);
		} else {
			pick = &cl->fast_eps[c->resolver->rr[cl->index]++ % cl->fast_n];
		}
		out->endpoint_json = pick->json;
		out->endpoint_address = pick->address;
		out->endpoint_port = pick->port;
		out->priority = 0;
		out->locality_index = pick->locality;
		out->endpoint_index = pick->index;
		out->panic = 0;
		out->outcome = RESOLVE_FORWARDED;
		out->status = 0;
		out->flags = "";
		return;
	}
	if (cl->type == CT_ORIGINAL_DST) {
		const char *v = NULL;
		size_t len = 0;
		out->outcome = RESOLVE_PASSTHROUGH;
		out->endpoint_address = c->req->address;
		out->endpoint_port = c->req->port;
		if (cl->use_http_header &&
		    rs_hview_get(&c->h, c->scratch, "x-envoy-original-dst-host", &v, &len)) {
			out->endpoint_address = v; /* "ip:port" as given */
			out->endpoint_port = 0;
		}
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_CHOSEN, out->endpoint_address, -1,
		        "original_dst", NULL, NULL, 0, NULL, 0);
		return;
	}
	if (cl->blackhole) {
		out->outcome = RESOLVE_BLACKHOLE;
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, "", -1, "blackhole", NULL, NULL, 0,
		        NULL, 0);
		return;
	}
	if (!cl->endpoints_known) {
		out->outcome = RESOLVE_FORWARDED;
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, "", -1, "endpoints_unknown", NULL,
		        NULL, 0, NULL, 0);
		return;
	}
	if (c->replay && c->replay->endpoint_index >= 0) {
		replay(c, cl, out);
		return;
	}
	if (!cl->prio_count) {
		out->outcome = RESOLVE_NO_HEALTHY;
		out->status = 503;
		out->flags = "UH";
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, "", -1, "no_endpoints", NULL, NULL,
		        0, NULL, 0);
		return;
	}
	/* Hash LBs route by the request's hash (a random value without one);
	 * the others choose the priority with a random value. */
	h = (cl->lb == LB_RING_HASH || cl->lb == LB_MAGLEV) && has_hash ? hash
	                                                                : rs_random(c->resolver);
	prio = choose_priority(cl, h, &degraded);
	p = &cl->prios[prio];
	if (c->note) {
		snprintf(detail, sizeof detail, "%u", (unsigned)prio);
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, "", -1,
		        p->panic   ? "priority_panic"
		        : degraded ? "priority_degraded"
		                   : "priority",
		        NULL, detail, strlen(detail), NULL, 0);
	}
	if (cl->lb == LB_RING_HASH || cl->lb == LB_MAGLEV) {
		ep = cl->lb == LB_RING_HASH ? ring_pick(p, h)
		     : p->maglev_size       ? p->maglev[h % p->maglev_size]
		                            : NULL;
	} else {
		if (p->panic) {
			hosts = p->all;
			n = p->total;
		} else if (cl->locality_weighted && p->loc_count > 1 &&
		           (loc = choose_locality(c, cl, p, degraded)) >= 0) {
			hosts = hosts_buf;
			n = locality_hosts(p, (size_t)loc, degraded, hosts_buf, 256);
		} else {
			hosts = degraded ? p->degraded_eps : p->healthy_eps;
			n = degraded ? p->degraded : p->healthy;
		}
		if (n) {
			switch (cl->lb) {
			case LB_RANDOM:
				ep = hosts[h % n];
				break;
			case LB_LEAST_REQUEST:
				if (p->equal_weights) {
					/* P2C: the first of choice_count random hosts wins,
					 * since none has an active request here. */
					for (uint32_t k = 0; k < cl->choice_count; k++) {
						const struct rs_endpoint *s =
						    hosts[rs_random(c->resolver) % n];
						if (!ep)
							ep = s;
					}
				} else {
					ep = weighted_pick(hosts, n, c->resolver->rr[cl->index]++);
				}
				break;
			default: /* ROUND_ROBIN, CLUSTER_PROVIDED */
				if (p->equal_weights)
					ep = hosts[c->resolver->rr[cl->index]++ % n];
				else
					ep = weighted_pick(hosts, n, c->resolver->rr[cl->index]++);
				break;
			}
		}
	}
	if (!ep) {
		out->outcome = RESOLVE_NO_HEALTHY;
		out->status = 503;
		out->flags = "UH";
		rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, "", -1, "no_healthy", NULL, NULL, 0,
		        NULL, 0);
		return;
	}
	set_endpoint(out, ep, prio, p->panic);
	ep_note(c, RESOLVE_CHOSEN, cl->lb_name, ep, NULL);
}
