/* What kube-dns answers a pod (see synth.h synth_resolve_host): the pod's
 * resolv.conf search path ("<ns>.svc.<domain>", "svc.<domain>", "<domain>",
 * ndots 5) applied to the name, then the Service's cluster IP, a headless
 * Service's first ready pod, an ExternalName followed to its target; else a
 * ServiceEntry naming the host with an address (Istio's DNS proxy answers
 * those). */
#include <stdio.h>
#include <string.h>

#include "synth_int.h"

static int is_ip(const char *h)
{
	int dots = 0;
	if (!*h)
		return 0;
	if (strchr(h, ':'))
		return 1; /* IPv6 */
	for (; *h; h++) {
		if (*h == '.')
			dots++;
		else if (*h < '0' || *h > '9')
			return 0;
	}
	return dots == 3;
}

static int copy_out(const char *v, char *buf, size_t cap)
{
	if (!v || snprintf(buf, cap, "%s", v) >= (int)cap)
		return -1;
	return 0;
}

static int resolve_fqdn(const struct mesh *m, const char *fqdn, char *buf, size_t cap, int depth);

/* "<name>.<ns>.svc.<domain>" as a Service. */
static int kube_service(const struct mesh *m, const char *fqdn, char *buf, size_t cap, int depth)
{
	const char *domain = mesh_options(m)->cluster_domain;
	char name[256], ns[256], rest[512];
	struct mesh_object *o;
	if (sscanf(fqdn, "%255[^.].%255[^.].%511s", name, ns, rest) != 3)
		return -1;
	if (strncmp(rest, "svc.", 4) != 0 || strcmp(rest + 4, domain) != 0)
		return -1;
	o = mesh_find(m, MESH_SERVICE, ns, name);
	if (!o)
		return -1;
	if (o->service->type == MESH_SVC_EXTERNAL_NAME)
		return depth < 4 ? resolve_fqdn(m, o->service->external_name, buf, cap, depth + 1)
		                 : -1;
	if (o->service->headless) {
		struct mesh_iter it;
		struct mesh_object *pod;
		mesh_iter_service_pods(&it, m, o);
		while ((pod = mesh_iter_next(&it)))
			if (pod->pod->ready && pod->pod->ip)
				return copy_out(pod->pod->ip, buf, cap);
		return -1;
	}
	return copy_out(o->service->cluster_ip, buf, cap);
}

static int service_entry(const struct mesh *m, const char *host, char *buf, size_t cap)
{
	struct mesh_iter it;
	struct mesh_object *o;
	mesh_iter_init(&it, m, MESH_SERVICEENTRY, NULL, NULL);
	while ((o = mesh_iter_next(&it))) {
		const struct node *spec = mesh_object_spec(o);
		const struct node *hosts = node_get(spec, "hosts"),
		                  *addrs = node_get(spec, "addresses");
		for (size_t i = 0; hosts && hosts->type == NODE_SEQ && i < hosts->len; i++) {
			const char *h = node_text(hosts->items[i]);
			if (!h || strcmp(h, host) != 0 || !addrs || addrs->type != NODE_SEQ)
				continue;
			for (size_t a = 0; a < addrs->len; a++) {
				const char *v = node_text(addrs->items[a]);
				if (v && !strchr(v, '/'))
					return copy_out(v, buf, cap);
			}
		}
	}
	return -1;
}

static int resolve_fqdn(const struct mesh *m, const char *fqdn, char *buf, size_t cap, int depth)
{
	if (kube_service(m, fqdn, buf, cap, depth) == 0)
		return 0;
	return service_entry(m, fqdn, buf, cap);
}

int synth_resolve_host(const struct mesh *m, const char *ns, const char *host, char *buf,
                       size_t cap)
{
	const char *domain = mesh_options(m)->cluster_domain;
	char name[512], cand[1024];
	size_t n;
	int dots = 0;
	if (!host || !*host)
		return -1;
	if (!ns)
		ns = "default";
	if (is_ip(host))
		return copy_out(host, buf, cap);
	n = strlen(host);
	if (n >= sizeof name)
		return -1;
	memcpy(name, host, n + 1);
	if (n && name[n - 1] == '.') { /* already absolute */
		name[n - 1] = '\0';
		return resolve_fqdn(m, name, buf, cap, 0);
	}
	for (const char *p = name; *p; p++)
		dots += *p == '.';
	if (dots < 5) {
		const char *const suffixes[] = {"%s.%s.svc.%s", "%s.svc.%s", "%s.%s"};
		snprintf(cand, sizeof cand, suffixes[0], name, ns, domain);
		if (resolve_fqdn(m, cand, buf, cap, 0) == 0)
			return 0;
		snprintf(cand, sizeof cand, suffixes[1], name, domain);
		if (resolve_fqdn(m, cand, buf, cap, 0) == 0)
			return 0;
		snprintf(cand, sizeof cand, suffixes[2], name, domain);
		if (resolve_fqdn(m, cand, buf, cap, 0) == 0)
			return 0;
	}
	return resolve_fqdn(m, name, buf, cap, 0);
}
