/* The domains of a service's virtual host (pilot/pkg/networking/core/
 * httproute.go generateVirtualHostDomains and GenerateAltVirtualHosts), per
 * profile:
 * - seed (1.9): the FQDN, then every name the proxy's DNS search path could
 *   complete to it (the part not shared with "<ns>.svc.cluster.local", then
 *   that part plus each shorter suffix of the shared domain), then the
 *   cluster IP, each followed by its ":<port>" variant;
 * - current: no ":<port>" variants (ignore_port_in_host_matching), the FQDN
 *   with a trailing dot after the FQDN (1.27+), then for a Kubernetes
 *   service "name", "name.ns.svc", "name.ns" in the proxy's namespace, or
 *   "name.ns", "name.ns.svc" from another, then the addresses.
 * Headless Kubernetes services add "*." copies of the names. A domain some
 * earlier vhost of the route took is dropped (the first keeps it), and so is
 * an expanded short name that is itself the FQDN of a known service. The
 * taken and known sets borrow their keys. */
#include <string.h>

#include "synth_int.h"

struct dom {
	struct synth *s;
	struct node *seq;
	struct sset *taken;
	const struct sset *known;
	int port; /* 0: no ":<port>" variants */
	/* the expanded (alternative) names, for the known-FQDN guard */
	const char *alt[16];
	size_t nalt;
	/* this vhost's own domains so far, for the headless "*." copies */
	const char *own[48];
	size_t nown;
};

static int is_alt(const struct dom *d, const char *name)
{
	for (size_t i = 0; i < d->nalt; i++)
		if (strcmp(d->alt[i], name) == 0)
			return 1;
	return 0;
}

/* Adds name (a string that lives as long as the build) unless taken. The
 * taken map borrows its keys: name itself, or its lowercase copy. */
static void add(struct dom *d, const char *name)
{
	struct synth *s = d->s;
	const char *key = name;
	for (const char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z') {
			char *lower = jb_strdup(&s->jb, name);
			for (char *q = lower; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
			key = lower;
			break;
		}
	uint64_t h = sset_hash(key);
	int added;
	if (d->nown < sizeof d->own / sizeof d->own[0])
		d->own[d->nown++] = name;
	if (d->known && is_alt(d, name) && sset_has(d->known, name))
		return;
	added = sset_add_h(d->taken, key, h);
	if (added < 0)
		s->jb.oom = 1;
	if (added > 0)
		jb_push(&s->jb, d->seq, jb_lit(&s->jb, name));
}

static void add_port(struct dom *d, const char *name)
{
	add(d, name);
	if (d->port)
		add(d, jb_fmt(&d->s->jb, "%s:%d", name, d->port));
}

static void note_alt(struct dom *d, const char *name)
{
	if (d->nalt < sizeof d->alt / sizeof d->alt[0])
		d->alt[d->nalt++] = name;
}

static void add_alt(struct dom *d, const char *name)
{
	note_alt(d, name);
	if (d->port)
		note_alt(d, jb_fmt(&d->s->jb, "%s:%d", name, d->port));
	add_port(d, name);
}

/* getUniqueAndSharedDNSDomain: the labels of fqdn not shared (from the
 * right) with proxy_domain, and the shared suffix. Returns the length of
 * the unique part (0 when nothing is shared: no alternative names). */
static size_t unique_part(const char *fqdn, const char *proxy_domain, const char **shared)
{
	size_t lf = strlen(fqdn), lp = strlen(proxy_domain);
	size_t i = lf, j = lp, last = lf;
	/* Walk labels from the right while they are equal. */
	while (i > 0 && j > 0) {
		size_t fi = i, pj = j;
		while (fi > 0 && fqdn[fi - 1] != '.')
			fi--;
		while (pj > 0 && proxy_domain[pj - 1] != '.')
			pj--;
		if (i - fi != j - pj || strncmp(fqdn + fi, proxy_domain + pj, i - fi) != 0)
			break;
		last = fi;
		i = fi ? fi - 1 : 0;
		j = pj ? pj - 1 : 0;
		if (fi == 0 || pj == 0)
			break;
	}
	if (last == lf || last == 0) {
		*shared = NULL;
		return 0;
	}
	*shared = fqdn + last;
	return last - 1; /* without the dot before the shared part */
}

/* 1.9's generateAltVirtualHosts: the unique part, then it plus each
 * shorter prefix of the shared domain (longest first). */
static void alt_seed(struct dom *d, const char *fqdn)
{
	struct synth *s = d->s;
	const char *shared;
	size_t ulen = unique_part(fqdn, s->dns_domain, &shared), slen;
	char *uniq;
	if (!ulen)
		return;
	uniq = jb_fmt(&s->jb, "%.*s", (int)ulen, fqdn);
	add_alt(d, uniq);
	slen = strlen(shared);
	for (size_t i = slen - 1; i > 0; i--)
		if (shared[i] == '.')
			add_alt(d, jb_fmt(&s->jb, "%s.%.*s", uniq, (int)i, shared));
}

/* The current generateAltVirtualHostsForKubernetesService. */
static void alt_kube(struct dom *d, const char *host)
{
	struct synth *s = d->s;
	const char *svc_suffix = strstr(s->dns_domain, ".svc.");
	const char *ih = strstr(host, ".svc."), *dot;
	size_t ns_len;
	if (!svc_suffix || !ih)
		return;
	/* Only hosts under the proxy's "*.svc.<domain>" are expanded. */
	if (strlen(host) < strlen(svc_suffix) ||
	    strcmp(host + strlen(host) - strlen(svc_suffix), svc_suffix) != 0)
		return;
	dot = strchr(host, '.');
	if (!dot || dot + 1 > ih)
		return;
	ns_len = (size_t)(ih - dot - 1);
	if (ns_len == strlen(s->ns) && strncmp(dot + 1, s->ns, ns_len) == 0) {
		add_alt(d, jb_fmt(&s->jb, "%.*s", (int)(dot - host), host));
		add_alt(d, jb_fmt(&s->jb, "%.*s.svc", (int)(ih - host), host));
		add_alt(d, jb_fmt(&s->jb, "%.*s", (int)(ih - host), host));
	} else {
		add_alt(d, jb_fmt(&s->jb, "%.*s", (int)(ih - host), host));
		add_alt(d, jb_fmt(&s->jb, "%.*s.svc", (int)(ih - host), host));
	}
}

static int is_ip(const char *h)
{
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || *h == '.' || *h == ':'))
			return 0;
	return 1;
}

static void names_of(struct dom *d, const char *host)
{
	struct synth *s = d->s;
	add_port(d, host);
	if (s->prof->domains_all_suffixes) {
		alt_seed(d, host);
		return;
	}
	if (s->prof->fqdn_trailing_dot && !is_ip(host))
		add_alt(d, jb_fmt(&s->jb, "%s.", host));
	alt_kube(d, host);
}

void vhost_domains(struct synth *s, const struct svc *v, int port, struct node *seq,
                   struct sset *taken, const struct sset *known)
{
	struct dom d;
	size_t names;
	memset(&d, 0, sizeof d);
	d.s = s;
	d.seq = seq;
	d.taken = taken;
	d.known = known;
	d.port = s->prof->domains_with_port ? port : 0;
	names_of(&d, v->hostname);
	if (!s->prof->domains_all_suffixes)
		for (size_t i = 0; i < v->naliases; i++)
			names_of(&d, v->aliases[i]->hostname);
	names = d.nown;
	if (v->res == RES_PASSTHROUGH && v->k8s)
		for (size_t i = 0; i < names; i++)
			add(&d, jb_fmt(&s->jb, "*.%s", d.own[i]));
	for (size_t i = 0; i < v->naddr; i++) {
		const char *a = v->addrs[i];
		if (!a || !*a || strcmp(a, "0.0.0.0") == 0)
			continue;
		if (strchr(a, '/') && !strstr(a, "/32"))
			continue; /* a CIDR is no Host header */
		add_port(&d, a);
	}
	if (v->naddr == 0 && v->address && strcmp(v->address, "0.0.0.0") != 0)
		add_port(&d, v->address);
}
