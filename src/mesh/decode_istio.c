/* Validation of the Istio kinds with the checks `istioctl validate` and
 * istiod's admission webhook make (pkg/config/validation/validation.go in
 * istio/istio), worded as Istio words them: the helpers every kind uses
 * (hosts, ports, durations, labels), VirtualService and DestinationRule,
 * and the dispatch over the kinds (the others are in decode_istio_edge.c).
 * The objects keep their manifests: the synthesizer reads the spec trees. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_istio.h"

/* ---- hosts, names, numbers --------------------------------------------- */

static int is_label_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '-';
}

/* [a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])? over s[0..n), n <= 63. */
static int is_dns_label_any_case(const char *s, size_t n)
{
	if (n == 0 || n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_label_char(s[i]))
			return 0;
	return 1;
}

/* Istio's ValidateWildcardDomain: a wildcard only in the first label
 * ("*", "*.x", "*x", "*-x"). Writes the problem into buf; 0 when valid. */
int istio_wildcard_domain_problem(const char *host, char *buf, size_t cap)
{
	const char *dot = strchr(host, '.');
	size_t first = dot ? (size_t)(dot - host) : strlen(host);
	const char *label = host;
	size_t n = first;
	if (!host[0]) {
		snprintf(buf, cap, "empty domain name not allowed");
		return -1;
	}
	if (strlen(host) > 255) {
		snprintf(buf, cap, "domain name %.40s... too long (max 255)", host);
		return -1;
	}
	if (n > 0 && label[0] == '*') {
		label++;
		n--;
		if (n > 0 && label[0] == '-') {
			label++;
			n--;
		}
	}
	if (n > 0 && !is_dns_label_any_case(label, n)) {
		snprintf(buf, cap, "domain name \"%s\" invalid (label \"%.*s\" invalid)", host,
		         (int)first, host);
		return -1;
	}
	while (dot) {
		const char *start = dot + 1;
		dot = strchr(start, '.');
		n = dot ? (size_t)(dot - start) : strlen(start);
		if (n == 0 && !dot)
			break; /* a trailing dot (FQDN) */
		if (!is_dns_label_any_case(start, n)) {
			snprintf(buf, cap, "domain name \"%s\" invalid (label \"%.*s\" invalid)",
			         host, (int)n, start);
			return -1;
		}
	}
	return 0;
}

int istio_check_host(struct dctx *c, const struct node *h, const char *path)
{
	char problem[400];
	if (!node_is_str(h))
		return dc_fail(c, h, path, "host must be a string, got %s", node_type_name(h));
	if (istio_wildcard_domain_problem(h->str, problem, sizeof problem) != 0)
		return dc_fail(c, h, path, "%s", problem);
	return 0;
}

/* A list of strings (NULL when absent). */
int istio_string_list(struct dctx *c, const struct node *parent, const char *key, const char *path,
                      const struct node **out)
{
	if (dc_seq(c, parent, key, path, 0, out) != 0)
		return -1;
	for (size_t i = 0; *out && i < (*out)->len; i++)
		if (!node_is_str((*out)->items[i]))
			return dc_fail(c, (*out)->items[i], path,
			               "must be a list of strings, got %s",
			               node_type_name((*out)->items[i]));
	return 0;
}

int istio_check_port_number(struct dctx *c, const struct node *parent, const char *key,
                            const char *path, int required)
{
	const struct node *v = dc_get(parent, key);
	long long n;
	if (!v)
		return required ? dc_fail(c, parent, path, "port number is required") : 0;
	if (node_int(v, &n) != 0)
		return dc_fail(c, v, path, "port number must be an integer, got %s",
		               node_type_name(v));
	if (n < 1 || n > 65535)
		return dc_fail(c, v, path, "port number %lld must be in the range 1..65535", n);
	return 0;
}

/* Go duration syntax ("10s", "1.5s", "100ms", "1m30s"), as Istio accepts it. */
int istio_check_duration(struct dctx *c, const struct node *parent, const char *key,
                         const char *path)
{
	const struct node *v = dc_get(parent, key);
	const char *s;
	if (!v)
		return 0;
	if (!node_is_str(v))
		return dc_fail(c, v, path, "invalid duration: must be a string such as \"10s\"");
	s = v->str;
	if (!*s)
		return dc_fail(c, v, path, "invalid duration \"\"");
	while (*s) {
		int digits = 0;
		while (isdigit((unsigned char)*s) || *s == '.') {
			digits++;
			s++;
		}
		if (!digits)
			return dc_fail(c, v, path, "invalid duration \"%s\"", v->str);
		if (strncmp(s, "ms", 2) == 0 || strncmp(s, "us", 2) == 0 ||
		    strncmp(s, "ns", 2) == 0)
			s += 2;
		else if (*s == 'h' || *s == 'm' || *s == 's')
			s++;
		else
			return dc_fail(c, v, path, "invalid duration \"%s\": missing unit", v->str);
	}
	return 0;
}

int istio_check_labels(struct dctx *c, const struct node *map, const char *path)
{
	struct mesh_labels ignored;
	return dc_string_map(c, map, path, 1, &ignored);
}

int istio_check_enum(struct dctx *c, const struct node *parent, const char *key, const char *path,
                     const char *const *values)
{
	const char *v;
	return dc_enum(c, parent, key, path, values, NULL, &v);
}

/* ---- VirtualService ---------------------------------------------------- */

static int check_destination(struct dctx *c, const struct node *dest, const char *path)
{
	char sub[200];
	const char *subset, *problem;
	const struct node *host, *port;
	if (!dest)
		return dc_fail(c, NULL, path, "destination is required");
	if (dest->type != NODE_MAP)
		return dc_fail(c, dest, path, "destination must be a map");
	dc_path_join(sub, sizeof sub, path, ".host");
	host = dc_get(dest, "host");
	if (!host)
		return dc_fail(c, dest, sub, "destination.host is required");
	if (node_is_str(host) && strcmp(host->str, "*") == 0)
		return dc_fail(c, host, sub, "invalid destination host *");
	if (istio_check_host(c, host, sub) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".subset");
	if (dc_str(c, dest, "subset", sub, 0, &subset) != 0)
		return -1;
	if (subset && subset[0] && (problem = dns_label_problem(subset)))
		return dc_fail(c, node_get(dest, "subset"), sub, "subset name is invalid: %s",
		               subset);
	dc_path_join(sub, sizeof sub, path, ".port");
	if (dc_map(c, dest, "port", sub, 0, &port) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".port.number");
	return port ? istio_check_port_number(c, port, "number", sub, 0) : 0;
}

/* route: [{destination, weight}]: weights 0..100 summing to 100 when more
 * than one destination. */
static int check_route_destinations(struct dctx *c, const struct node *routes, const char *path)
{
	long long total = 0;
	for (size_t i = 0; i < routes->len; i++) {
		const struct node *r = routes->items[i];
		char item[200], sub[200];
		long long w = 0;
		const struct node *wn;
		dc_pathf(item, sizeof item, "%s[%zu]", path, i);
		if (r->type != NODE_MAP)
			return dc_fail(c, r, item, "must be a map, got %s", node_type_name(r));
		if (check_destination(c, dc_get(r, "destination"),
		                      dc_path_join(sub, sizeof sub, item, ".destination")) != 0)
			return -1;
		dc_path_join(sub, sizeof sub, item, ".weight");
		wn = dc_get(r, "weight");
		if (wn && node_int(wn, &w) != 0)
			return dc_fail(c, wn, sub, "weight must be an integer, got %s",
			               node_type_name(wn));
		if (w < 0 || w > 100)
			return dc_fail(c, wn, sub, "percentage %lld is not in range 0..100", w);
		total += w;
	}
	if (routes->len > 1 && total != 100)
		return dc_fail(c, routes, path, "total destination weight %lld != 100", total);
	return 0;
}

static int check_http_route(struct dctx *c, const struct node *h, const char *path)
{
	const struct node *route, *redirect, *direct, *retries;
	char sub[200];
	if (h->type != NODE_MAP)
		return dc_fail(c, h, path, "must be a map, got %s", node_type_name(h));
	dc_path_join(sub, sizeof sub, path, ".route");
	if (dc_seq(c, h, "route", sub, 0, &route) != 0)
		return -1;
	redirect = dc_get(h, "redirect");
	direct = dc_get(h, "directResponse");
	if ((!route || route->len == 0) && !redirect && !direct)
		return dc_fail(c, h, path, "HTTP route, redirect or direct response is required");
	if (route && route->len && redirect)
		return dc_fail(c, h, path, "HTTP route cannot contain both route and redirect");
	if (route && route->len && check_route_destinations(c, route, sub) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".timeout");
	if (istio_check_duration(c, h, "timeout", sub) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".retries");
	if (dc_map(c, h, "retries", sub, 0, &retries) != 0)
		return -1;
	if (retries) {
		long long attempts;
		dc_path_join(sub, sizeof sub, path, ".retries.attempts");
		if (dc_int(c, retries, "attempts", sub, 0, 0, 1000000, &attempts, NULL) != 0)
			return -1;
		dc_path_join(sub, sizeof sub, path, ".retries.perTryTimeout");
		if (istio_check_duration(c, retries, "perTryTimeout", sub) != 0)
			return -1;
	}
	return 0;
}

static int check_virtual_service(struct dctx *c, const struct node *spec)
{
	const struct node *hosts, *gateways, *http, *tcp, *tls;
	int mesh_bound = 1;
	if (istio_string_list(c, spec, "hosts", "spec.hosts", &hosts) != 0 ||
	    istio_string_list(c, spec, "gateways", "spec.gateways", &gateways) != 0 ||
	    dc_seq(c, spec, "http", "spec.http", 0, &http) != 0 ||
	    dc_seq(c, spec, "tcp", "spec.tcp", 0, &tcp) != 0 ||
	    dc_seq(c, spec, "tls", "spec.tls", 0, &tls) != 0)
		return -1;
	if (gateways && gateways->len) {
		mesh_bound = 0;
		for (size_t i = 0; i < gateways->len; i++) {
			const char *g = gateways->items[i]->str;
			if (strcmp(g, "mesh") == 0)
				mesh_bound = 1;
			else if (!g[0])
				return dc_fail(c, gateways->items[i], "spec.gateways",
				               "gateway name must not be empty");
		}
	}
	if (!hosts || hosts->len == 0) {
		/* Only a delegate VirtualService may have no hosts. */
		if ((gateways && gateways->len) || (tcp && tcp->len) || (tls && tls->len))
			return dc_fail(c, spec, "spec.hosts",
			               "virtual service must have at least one host");
	}
	for (size_t i = 0; hosts && i < hosts->len; i++) {
		char path[64];
		dc_pathf(path, sizeof path, "spec.hosts[%zu]", i);
		if (strcmp(hosts->items[i]->str, "*") == 0 && mesh_bound)
			return dc_fail(
			    c, hosts->items[i], path,
			    "wildcard host * is not allowed for virtual services bound to "
			    "the mesh gateway");
		if (istio_check_host(c, hosts->items[i], path) != 0)
			return -1;
	}
	if ((!http || !http->len) && (!tcp || !tcp->len) && (!tls || !tls->len))
		return dc_fail(c, spec, "spec",
		               "http, tcp or tls must be provided in virtual service");
	for (size_t i = 0; http && i < http->len; i++) {
		char path[64];
		dc_pathf(path, sizeof path, "spec.http[%zu]", i);
		if (check_http_route(c, http->items[i], path) != 0)
			return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct node *list = pass ? tls : tcp;
		for (size_t i = 0; list && i < list->len; i++) {
			const struct node *route;
			char path[64];
			dc_pathf(path, sizeof path, "spec.%s[%zu].route", pass ? "tls" : "tcp", i);
			if (list->items[i]->type != NODE_MAP)
				return dc_fail(c, list->items[i], path, "must be a map");
			if (dc_seq(c, list->items[i], "route", path, 1, &route) != 0 ||
			    check_route_destinations(c, route, path) != 0)
				return -1;
		}
	}
	return 0;
}

/* ---- DestinationRule --------------------------------------------------- */

static const char *const lb_simple[] = {"UNSPECIFIED",   "RANDOM",     "PASSTHROUGH", "ROUND_ROBIN",
                                        "LEAST_REQUEST", "LEAST_CONN", NULL};

static int check_traffic_policy(struct dctx *c, const struct node *tp, const char *path)
{
	const struct node *lb, *tls;
	char sub[200];
	if (!tp)
		return 0;
	if (tp->type != NODE_MAP)
		return dc_fail(c, tp, path, "must be a map");
	dc_path_join(sub, sizeof sub, path, ".loadBalancer");
	if (dc_map(c, tp, "loadBalancer", sub, 0, &lb) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".loadBalancer.simple");
	if (lb && istio_check_enum(c, lb, "simple", sub, lb_simple) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".tls");
	if (dc_map(c, tp, "tls", sub, 0, &tls) != 0)
		return -1;
	if (tls) {
		static const char *const modes[] = {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL",
		                                    NULL};
		dc_path_join(sub, sizeof sub, path, ".tls.mode");
		if (istio_check_enum(c, tls, "mode", sub, modes) != 0)
			return -1;
	}
	return 0;
}

static int check_destination_rule(struct dctx *c, const struct node *spec)
{
	const struct node *host, *subsets;
	if (!(host = dc_get(spec, "host")))
		return dc_fail(c, spec, "spec.host",
		               "Required value: a destination rule must have a "
		               "host");
	if (istio_check_host(c, host, "spec.host") != 0 ||
	    check_traffic_policy(c, dc_get(spec, "trafficPolicy"), "spec.trafficPolicy") != 0 ||
	    dc_seq(c, spec, "subsets", "spec.subsets", 0, &subsets) != 0)
		return -1;
	for (size_t i = 0; subsets && i < subsets->len; i++) {
		const struct node *s = subsets->items[i];
		const char *name;
		char path[64], sub[120];
		dc_pathf(path, sizeof path, "spec.subsets[%zu]", i);
		if (s->type != NODE_MAP)
			return dc_fail(c, s, path, "must be a map");
		dc_path_join(sub, sizeof sub, path, ".name");
		if (dc_str(c, s, "name", sub, 1, &name) != 0)
			return -1;
		if (dns_label_problem(name))
			return dc_fail(c, node_get(s, "name"), sub, "subset name is invalid: %s",
			               name);
		for (size_t j = 0; j < i; j++) {
			const struct node *other = dc_get(subsets->items[j], "name");
			if (other && strcmp(other->str, name) == 0)
				return dc_fail(c, node_get(s, "name"), sub,
				               "duplicate subset names: %s", name);
		}
		dc_path_join(sub, sizeof sub, path, ".labels");
		if (istio_check_labels(c, dc_get(s, "labels"), sub) != 0)
			return -1;
		dc_path_join(sub, sizeof sub, path, ".trafficPolicy");
		if (check_traffic_policy(c, dc_get(s, "trafficPolicy"), sub) != 0)
			return -1;
	}
	return 0;
}

int decode_istio(struct dctx *c, const struct node *spec)
{
	static const struct node empty = {NODE_MAP, NODE_TAG_NONE, 0, 0, 0, NULL, NULL, NULL};
	if (!spec)
		spec = &empty;
	switch (c->o->kind) {
	case MESH_VIRTUALSERVICE:
		return check_virtual_service(c, spec);
	case MESH_DESTINATIONRULE:
		return check_destination_rule(c, spec);
	case MESH_GATEWAY:
		return istio_check_gateway(c, spec);
	case MESH_SERVICEENTRY:
		return istio_check_service_entry(c, spec);
	case MESH_SIDECAR:
		return istio_check_sidecar(c, spec);
	case MESH_PEERAUTHENTICATION:
		return istio_check_peer_authentication(c, spec);
	default:
		return 0;
	}
}
