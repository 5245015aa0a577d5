/* Endpoint selection inside a cluster, as Envoy's load balancers do it:
 * the priority from hash % 100 + 1 against the cumulative healthy then
 * degraded loads, all hosts of a priority in panic, the locality from the
 * priority's locality scheduler when locality weighted, then the policy:
 * ROUND_ROBIN (a position per cluster in the resolver), LEAST_REQUEST
 * (power of choice_count random picks; no request is ever active here),
 * RANDOM, RING_HASH (first ring entry at or after the hash, wrapping) and
 * MAGLEV (table[hash % size]). ORIGINAL_DST forwards to the requested
 * address.
 *
 * Locality schedulers follow Envoy's HostSetImpl (upstream_impl.cc) and
 * EdfScheduler (edf_scheduler.h): per priority one over the localities
 * with healthy hosts and one over those with degraded hosts, each an
 * earliest deadline first schedule by effective weight, kept in the
 * resolver so that successive resolutions walk the localities in Envoy's
 * order. The reference (envoy.md section 5) does not say which start the
 * schedule takes; this follows the newest source, where the runtime guard
 * edf_lb_locality_scheduler_init_fix is gone and every scheduler is built
 * with createWithPicks from a random value: the schedule starts at a
 * pseudo-random point of its cycle (here drawn from the resolver's seeded
 * random source, so it is reproducible). */
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

/* Envoy's effective locality weight (HostSetImpl::effectiveLocalityWeight):
 * weight * min(1, OF/100 * available/(hosts - excluded)) in doubles, 0 for
 * a locality without a non-excluded host. */
static double locality_weight(const struct rs_cluster *cl, const struct rs_locality *loc,
                              int degraded)
{
	double ratio, avail;
	if (!loc->eligible)
		return 0.0;
	ratio = 1.0 * (double)(degraded ? loc->degraded : loc->healthy) / (double)loc->eligible;
	avail = ((double)cl->overprovisioning / 100.0) * ratio;
	return (double)loc->weight * (avail < 1.0 ? avail : 1.0);
}

/* The info note of a locality the scheduler of p (degraded or healthy
 * hosts) chose: candidate "region/zone/sub_zone" without the empty parts
 * ("(no locality)" when all are empty), index the locality, field the
 * host type, expected its effective weight and actual the total of the
 * schedule's effective weights. */
static void locality_note(struct rs_ctx *c, const struct rs_cluster *cl,
                          const struct rs_priority *p, size_t l, int degraded)
{
	static const char *const parts[] = {"region", "zone", "sub_zone"};
	const struct node *where = node_field(p->locs[l].json, "locality");
	char name[320], weight[32], total[32];
	size_t len = 0;
	double sum = 0;
	if (!c->note)
		return;
	name[0] = '\0';
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		const char *v = node_text(node_field(where, parts[i]));
		if (v && *v && len < sizeof name) {
			int k = snprintf(name + len, sizeof name - len, "%s%s", len ? "/" : "", v);
			len = k < 0 ? len : len + (size_t)k;
		}
	}
	for (size_t i = 0; i < p->loc_count; i++)
		sum += locality_weight(cl, &p->locs[i], degraded);
	snprintf(weight, sizeof weight, "%g", locality_weight(cl, &p->locs[l], degraded));
	snprintf(total, sizeof total, "%g", sum);
	rs_note(c, RESOLVE_STEP_ENDPOINT, RESOLVE_INFO, len ? name : "(no locality)", (int)l,
	        "locality_weighted", degraded ? "degraded" : "healthy", weight, strlen(weight),
	        total, strlen(total));
}

/* EdfScheduler::pickAndAdd: the entry with the earliest deadline, ties to
 * the earliest inserted; the clock moves to its deadline and it goes back
 * in at now + 1/weight. -1 when the scheduler is empty. */
static int edf_pick(struct rs_edf *s, struct rs_edf_entry *e, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if (e[i].weight <= 0)
			continue;
		if (best < 0 || e[i].deadline < e[best].deadline ||
		    (e[i].deadline == e[best].deadline && e[i].order < e[best].order))
			best = (int)i;
	}
	if (best < 0)
		return -1;
	s->now = e[best].deadline;
	e[best].deadline = s->now + 1.0 / e[best].weight;
	e[best].order = s->order++;
	return best;
}

/* EdfScheduler::createWithPicks: the scheduler as if `picks` picks had
 * been made from the localities of p with a positive effective weight, in
 * locality order. Each weight gets 1e-13 added for the emulation (as
 * Envoy does, so that weights that are multiples of each other land where
 * sequential picks would): entry i is taken floor(P * w_i / W) times (one
 * less when the floating point product overshoots), its deadline is
 * (taken + 1) / w_i, the clock is the latest taken / w_i, and the few
 * picks left over are made one by one with the plain weights. */
static void edf_build(const struct rs_cluster *cl, const struct rs_priority *p, int degraded,
                      struct rs_edf *s, struct rs_edf_entry *e, uint32_t picks)
{
	double sum = 0, max_time = 0;
	uint32_t done = 0;
	uint64_t n = 0;
	memset(s, 0, sizeof *s);
	for (size_t l = 0; l < p->loc_count; l++) {
		e[l].weight = locality_weight(cl, &p->locs[l], degraded);
		if (e[l].weight > 0)
			sum += e[l].weight + 1e-13;
	}
	s->state = 2;
	if (sum <= 0)
		return;
	s->state = 1;
	picks %= 429496729u;
	for (size_t l = 0; l < p->loc_count; l++) {
		double w = e[l].weight + 1e-13;
		uint32_t taken;
		if (e[l].weight <= 0)
			continue;
		taken = (uint32_t)(w * (double)picks / sum);
		if (taken > 0 && (double)taken / w >= (double)picks / sum)
			taken--;
		if ((double)taken / w > max_time)
			max_time = (double)taken / w;
		e[l].deadline = (double)(taken + 1) / w;
		e[l].order = n++;
		done += taken;
	}
	s->now = max_time;
	s->order = n;
	while (done < picks && edf_pick(s, e, p->loc_count) >= 0)
		done++;
}

/* HostSetImpl::chooseHealthyLocality / chooseDegradedLocality: the next
 * locality of p's scheduler in the resolver, or -1 when p has none (no
 * healthy, resp. degraded, host, or no locality with a positive effective
 * weight). Envoy rebuilds both schedulers of a priority on every host
 * update, seeded with one random value drawn by the cluster; here both
 * are built when p first needs one after the resolver is reset or moves to
 * a new snapshot, with one value from the resolver's random source. */
static int choose_locality(struct rs_ctx *c, const struct rs_cluster *cl,
                           const struct rs_priority *p, int degraded)
{
	struct resolver *r = c->resolver;
	struct rs_edf *s = &r->edf[p->edf + (degraded ? 1 : 0)];
	struct rs_edf_entry *e = &r->edf_e[p->edf_slot + (degraded ? p->loc_count : 0)];
	if (!s->state) {
		/* The low 32 bits: createWithPicks takes a uint32_t. */
		uint32_t picks = (uint32_t)rs_random(r);
		edf_build(cl, p, 0, &r->edf[p->edf], &r->edf_e[p->edf_slot], picks);
		edf_build(cl, p, 1, &r->edf[p->edf + 1], &r->edf_e[p->edf_slot + p->loc_count],
		          picks);
		/* No scheduler for a host type the priority does not have. */
		if (!p->healthy)
			r->edf[p->edf].state = 2;
		if (!p->degraded)
			r->edf[p->edf + 1].state = 2;
	}
	if (s->state != 1)
		return -1;
	return edf_pick(s, e, p->loc_count);
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
	if (prev->locality_json) {
		/* a scheduler pick: of the degraded hosts' schedule when the host
		 * is degraded (no panic, so hosts of one type were eligible) */
		out->locality_json = prev->locality_json;
		locality_note(c, cl, p, (size_t)prev->locality_index,
		              p->locs[prev->locality_index].eps[prev->endpoint_index].health ==
		                  EP_DEGRADED);
	}
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
	if (loc >= 0) {
		out->locality_json = p->locs[loc].json;
		locality_note(c, cl, p, (size_t)loc, degraded);
	}
	ep_note(c, RESOLVE_CHOSEN, cl->lb_name, ep, NULL);
}
