/* Validation of the Istio kinds (VirtualService, DestinationRule, Gateway,
 * ServiceEntry, Sidecar, PeerAuthentication) with the checks `istioctl
 * validate` and istiod's admission webhook make
 * (pkg/config/validation/validation.go in istio/istio), worded as Istio
 * words them. The objects keep their manifests: the synthesizer reads the
 * spec trees. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "decode.h"

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
static int wildcard_domain_problem(const char *host, char *buf, size_t cap)
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

static int check_host(struct dctx *c, const struct node *h, const char *path)
{
	char problem[400];
	if (!node_is_str(h))
		return dc_fail(c, h, path, "host must be a string, got %s", node_type_name(h));
	if (wildcard_domain_problem(h->str, problem, sizeof problem) != 0)
		return dc_fail(c, h, path, "%s", problem);
	return 0;
}

/* A list of strings (NULL when absent). */
static int string_list(struct dctx *c, const struct node *parent, const char *key, const char *path,
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

static int check_port_number(struct dctx *c, const struct node *parent, const char *key,
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
static int check_duration(struct dctx *c, const struct node *parent, const char *key,
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

static int check_labels(struct dctx *c, const struct node *map, const char *path)
{
	struct mesh_labels ignored;
	return dc_string_map(c, map, path, 1, &ignored);
}

static int check_enum(struct dctx *c, const struct node *parent, const char *key, const char *path,
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
	snprintf(sub, sizeof sub, "%s.host", path);
	host = dc_get(dest, "host");
	if (!host)
		return dc_fail(c, dest, sub, "destination.host is required");
	if (node_is_str(host) && strcmp(host->str, "*") == 0)
		return dc_fail(c, host, sub, "invalid destination host *");
	if (check_host(c, host, sub) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.subset", path);
	if (dc_str(c, dest, "subset", sub, 0, &subset) != 0)
		return -1;
	if (subset && subset[0] && (problem = dns_label_problem(subset)))
		return dc_fail(c, node_get(dest, "subset"), sub, "subset name is invalid: %s",
		               subset);
	snprintf(sub, sizeof sub, "%s.port", path);
	if (dc_map(c, dest, "port", sub, 0, &port) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.port.number", path);
	return port ? check_port_number(c, port, "number", sub, 0) : 0;
}

/* route: [{destination, weight}]: weights 0..100 summing to 100 when more
 * than one destination. */
static int check_route_destinations(struct dctx *c, const struct node *routes, const char *path)
{
	long long total = 0;
	for (size_t i = 0; i < routes->len; i++) {
		const struct node *r = routes->items[i];
		char sub[200];
		long long w = 0;
		const struct node *wn;
		snprintf(sub, sizeof sub, "%s[%zu]", path, i);
		if (r->type != NODE_MAP)
			return dc_fail(c, r, sub, "must be a map, got %s", node_type_name(r));
		if (check_destination(c, dc_get(r, "destination"), strcat(sub, ".destination")) !=
		    0)
			return -1;
		snprintf(sub, sizeof sub, "%s[%zu].weight", path, i);
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
	snprintf(sub, sizeof sub, "%s.route", path);
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
	snprintf(sub, sizeof sub, "%s.timeout", path);
	if (check_duration(c, h, "timeout", sub) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.retries", path);
	if (dc_map(c, h, "retries", sub, 0, &retries) != 0)
		return -1;
	if (retries) {
		long long attempts;
		snprintf(sub, sizeof sub, "%s.retries.attempts", path);
		if (dc_int(c, retries, "attempts", sub, 0, 0, 1000000, &attempts, NULL) != 0)
			return -1;
		snprintf(sub, sizeof sub, "%s.retries.perTryTimeout", path);
		if (check_duration(c, retries, "perTryTimeout", sub) != 0)
			return -1;
	}
	return 0;
}

static int check_virtual_service(struct dctx *c, const struct node *spec)
{
	const struct node *hosts, *gateways, *http, *tcp, *tls;
	int mesh_bound = 1;
	if (string_list(c, spec, "hosts", "spec.hosts", &hosts) != 0 ||
	    string_list(c, spec, "gateways", "spec.gateways", &gateways) != 0 ||
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
		snprintf(path, sizeof path, "spec.hosts[%zu]", i);
		if (strcmp(hosts->items[i]->str, "*") == 0 && mesh_bound)
			return dc_fail(
			    c, hosts->items[i], path,
			    "wildcard host * is not allowed for virtual services bound to "
			    "the mesh gateway");
		if (check_host(c, hosts->items[i], path) != 0)
			return -1;
	}
	if ((!http || !http->len) && (!tcp || !tcp->len) && (!tls || !tls->len))
		return dc_fail(c, spec, "spec",
		               "http, tcp or tls must be provided in virtual service");
	for (size_t i = 0; http && i < http->len; i++) {
		char path[64];
		snprintf(path, sizeof path, "spec.http[%zu]", i);
		if (check_http_route(c, http->items[i], path) != 0)
			return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct node *list = pass ? tls : tcp;
		for (size_t i = 0; list && i < list->len; i++) {
			const struct node *route;
			char path[64];
			snprintf(path, sizeof path, "spec.%s[%zu].route", pass ? "tls" : "tcp", i);
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
	snprintf(sub, sizeof sub, "%s.loadBalancer", path);
	if (dc_map(c, tp, "loadBalancer", sub, 0, &lb) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.loadBalancer.simple", path);
	if (lb && check_enum(c, lb, "simple", sub, lb_simple) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.tls", path);
	if (dc_map(c, tp, "tls", sub, 0, &tls) != 0)
		return -1;
	if (tls) {
		static const char *const modes[] = {"DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL",
		                                    NULL};
		snprintf(sub, sizeof sub, "%s.tls.mode", path);
		if (check_enum(c, tls, "mode", sub, modes) != 0)
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
	if (check_host(c, host, "spec.host") != 0 ||
	    check_traffic_policy(c, dc_get(spec, "trafficPolicy"), "spec.trafficPolicy") != 0 ||
	    dc_seq(c, spec, "subsets", "spec.subsets", 0, &subsets) != 0)
		return -1;
	for (size_t i = 0; subsets && i < subsets->len; i++) {
		const struct node *s = subsets->items[i];
		const char *name;
		char path[64], sub[120];
		snprintf(path, sizeof path, "spec.subsets[%zu]", i);
		if (s->type != NODE_MAP)
			return dc_fail(c, s, path, "must be a map");
		snprintf(sub, sizeof sub, "%s.name", path);
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
		snprintf(sub, sizeof sub, "%s.labels", path);
		if (check_labels(c, dc_get(s, "labels"), sub) != 0)
			return -1;
		snprintf(sub, sizeof sub, "%s.trafficPolicy", path);
		if (check_traffic_policy(c, dc_get(s, "trafficPolicy"), sub) != 0)
			return -1;
	}
	return 0;
}

/* ---- Gateway ----------------------------------------------------------- */

static const char *const server_protocols[] = {
    "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "REDIS", "MYSQL", "TCP", "TLS", NULL};

static int check_server(struct dctx *c, const struct node *s, const char *path)
{
	const struct node *port, *hosts, *tls;
	const char *protocol;
	char sub[160];
	if (s->type != NODE_MAP)
		return dc_fail(c, s, path, "must be a map");
	snprintf(sub, sizeof sub, "%s.port", path);
	if (dc_map(c, s, "port", sub, 0, &port) != 0)
		return -1;
	if (!port)
		return dc_fail(c, s, sub, "port is required");
	snprintf(sub, sizeof sub, "%s.port.number", path);
	if (check_port_number(c, port, "number", sub, 1) != 0)
		return -1;
	snprintf(sub, sizeof sub, "%s.port.protocol", path);
	if (dc_str(c, port, "protocol", sub, 1, &protocol) != 0)
		return -1;
	{
		int known = 0;
		for (const char *const *p = server_protocols; *p; p++)
			known |= strcasecmp(*p, protocol) == 0;
		if (!known)
			return dc_fail(
			    c, node_get(port, "protocol"), sub,
			    "invalid protocol \"%s\", supported protocols are HTTP, HTTP2, "
			    "GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP",
			    protocol);
	}
	snprintf(sub, sizeof sub, "%s.hosts", path);
	if (string_list(c, s, "hosts", sub, &hosts) != 0)
		return -1;
	if (!hosts || hosts->len == 0)
		return dc_fail(c, s, sub, "server config must contain at least one host");
	for (size_t i = 0; i < hosts->len; i++) {
		const char *h = hosts->items[i]->str, *slash = strchr(h, '/');
		char host[300], problem[400];
		snprintf(sub, sizeof sub, "%s.hosts[%zu]", path, i);
		if (slash) {
			char ns[100];
			size_t n = (size_t)(slash - h);
			if (n >= sizeof ns)
				n = sizeof ns - 1;
			memcpy(ns, h, n);
			ns[n] = '\0';
			if (strcmp(ns, "*") != 0 && strcmp(ns, ".") != 0 && dns_label_problem(ns))
				return dc_fail(c, hosts->items[i], sub,
				               "invalid namespace value \"%s\" in host \"%s\"", ns,
				               h);
			snprintf(host, sizeof host, "%s", slash + 1);
		} else {
			snprintf(host, sizeof host, "%s", h);
		}
		if (wildcard_domain_problem(host, problem, sizeof problem) != 0)
			return dc_fail(c, hosts->items[i], sub, "%s", problem);
	}
	snprintf(sub, sizeof sub, "%s.tls", path);
	if (dc_map(c, s, "tls", sub, 0, &tls) != 0)
		return -1;
	if (!tls && (strcasecmp(protocol, "HTTPS") == 0 || strcasecmp(protocol, "TLS") == 0))
		return dc_fail(c, s, sub, "server must have TLS settings for HTTPS/TLS protocols");
	return 0;
}

static int check_gateway(struct dctx *c, const struct node *spec)
{
	const struct node *servers, *selector;
	if (dc_seq(c, spec, "servers", "spec.servers", 0, &servers) != 0 ||
	    dc_map(c, spec, "selector", "spec.selector", 0, &selector) != 0 ||
	    check_labels(c, selector, "spec.selector") != 0)
		return -1;
	if (!servers || servers->len == 0)
		return dc_fail(c, spec, "spec.servers", "gateway must have at least one server");
	for (size_t i = 0; i < servers->len; i++) {
		char path[64];
		const struct node *name = dc_get(dc_get(servers->items[i], "port"), "name");
		snprintf(path, sizeof path, "spec.servers[%zu]", i);
		if (check_server(c, servers->items[i], path) != 0)
			return -1;
		for (size_t j = 0; name && node_is_str(name) && j < i; j++) {
			const struct node *other =
			    dc_get(dc_get(servers->items[j], "port"), "name");
			if (other && node_is_str(other) && strcmp(other->str, name->str) == 0)
				return dc_fail(
				    c, name, path,
				    "port names in servers must be unique: duplicate name %s",
				    name->str);
		}
	}
	return 0;
}

/* ---- ServiceEntry, Sidecar, PeerAuthentication ------------------------- */

static int check_service_entry(struct dctx *c, const struct node *spec)
{
	static const char *const locations[] = {"MESH_EXTERNAL", "MESH_INTERNAL", NULL};
	static const char *const resolutions[] = {"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", NULL};
	const struct node *hosts, *ports, *endpoints;
	const char *resolution;
	if (string_list(c, spec, "hosts", "spec.hosts", &hosts) != 0)
		return -1;
	if (!hosts || hosts->len == 0)
		return dc_fail(c, spec, "spec.hosts", "service entry must have at least one host");
	for (size_t i = 0; i < hosts->len; i++) {
		char path[64];
		snprintf(path, sizeof path, "spec.hosts[%zu]", i);
		if (strcmp(hosts->items[i]->str, "*") == 0)
			return dc_fail(c, hosts->items[i], path, "invalid host %s",
			               hosts->items[i]->str);
		if (check_host(c, hosts->items[i], path) != 0)
			return -1;
	}
	if (check_enum(c, spec, "location", "spec.location", locations) != 0 ||
	    dc_enum(c, spec, "resolution", "spec.resolution", resolutions, "NONE", &resolution) !=
	        0 ||
	    dc_seq(c, spec, "ports", "spec.ports", 0, &ports) != 0 ||
	    dc_seq(c, spec, "endpoints", "spec.endpoints", 0, &endpoints) != 0)
		return -1;
	for (size_t i = 0; ports && i < ports->len; i++) {
		const struct node *p = ports->items[i];
		const char *name, *protocol;
		char path[64], sub[120];
		snprintf(path, sizeof path, "spec.ports[%zu]", i);
		if (p->type != NODE_MAP)
			return dc_fail(c, p, path, "must be a map");
		snprintf(sub, sizeof sub, "%s.number", path);
		if (check_port_number(c, p, "number", sub, 1) != 0)
			return -1;
		snprintf(sub, sizeof sub, "%s.name", path);
		if (dc_str(c, p, "name", sub, 0, &name) != 0)
			return -1;
		for (size_t j = 0; name && j < i; j++) {
			const struct node *other = dc_get(ports->items[j], "name");
			if (other && node_is_str(other) && strcmp(other->str, name) == 0)
				return dc_fail(c, node_get(p, "name"), sub,
				               "port names must be unique: duplicate name %s",
				               name);
		}
		snprintf(sub, sizeof sub, "%s.protocol", path);
		if (dc_str(c, p, "protocol", sub, 0, &protocol) != 0)
			return -1;
	}
	if (resolution && strcmp(resolution, "STATIC") == 0 && (!endpoints || !endpoints->len) &&
	    !dc_get(spec, "workloadSelector"))
		return dc_fail(c, spec, "spec.endpoints",
		               "no endpoints provided for resolution type STATIC");
	for (size_t i = 0; endpoints && i < endpoints->len; i++) {
		const char *address;
		char path[64];
		snprintf(path, sizeof path, "spec.endpoints[%zu].address", i);
		if (endpoints->items[i]->type != NODE_MAP)
			return dc_fail(c, endpoints->items[i], path, "must be a map");
		if (dc_str(c, endpoints->items[i], "address", path, 0, &address) != 0)
			return -1;
		snprintf(path, sizeof path, "spec.endpoints[%zu].labels", i);
		if (check_labels(c, dc_get(endpoints->items[i], "labels"), path) != 0)
			return -1;
	}
	return 0;
}

static int check_sidecar(struct dctx *c, const struct node *spec)
{
	const struct node *egress, *selector;
	if (dc_map(c, spec, "workloadSelector", "spec.workloadSelector", 0, &selector) != 0 ||
	    (selector &&
	     check_labels(c, dc_get(selector, "labels"), "spec.workloadSelector.labels") != 0) ||
	    dc_seq(c, spec, "egress", "spec.egress", 0, &egress) != 0)
		return -1;
	for (size_t i = 0; egress && i < egress->len; i++) {
		const struct node *hosts;
		char path[64];
		snprintf(path, sizeof path, "spec.egress[%zu].hosts", i);
		if (egress->items[i]->type != NODE_MAP)
			return dc_fail(c, egress->items[i], path, "must be a map");
		if (string_list(c, egress->items[i], "hosts", path, &hosts) != 0)
			return -1;
		if (!hosts || hosts->len == 0)
			return dc_fail(c, egress->items[i], path,
			               "egress listener must contain at "
			               "least one host");
		for (size_t j = 0; j < hosts->len; j++) {
			const char *h = hosts->items[j]->str, *slash = strchr(h, '/');
			char problem[400];
			if (!slash || slash == h)
				return dc_fail(c, hosts->items[j], path,
				               "invalid host %s: the host must be of the form "
				               "namespace/dnsName",
				               h);
			if (wildcard_domain_problem(slash + 1, problem, sizeof problem) != 0)
				return dc_fail(c, hosts->items[j], path, "%s", problem);
		}
	}
	return 0;
}

static int check_peer_authentication(struct dctx *c, const struct node *spec)
{
	static const char *const modes[] = {"UNSET", "DISABLE", "PERMISSIVE", "STRICT", NULL};
	const struct node *mtls, *selector, *port_level;
	if (dc_map(c, spec, "mtls", "spec.mtls", 0, &mtls) != 0 ||
	    (mtls && check_enum(c, mtls, "mode", "spec.mtls.mode", modes) != 0) ||
	    dc_map(c, spec, "selector", "spec.selector", 0, &selector) != 0 ||
	    (selector &&
	     check_labels(c, dc_get(selector, "matchLabels"), "spec.selector.matchLabels") != 0) ||
	    dc_map(c, spec, "portLevelMtls", "spec.portLevelMtls", 0, &port_level) != 0)
		return -1;
	if (port_level && port_level->len && !selector)
		return dc_fail(c, port_level, "spec.portLevelMtls",
		               "portLevelMtls requires selector");
	for (size_t i = 0; port_level && i < port_level->len; i++) {
		const struct node *k = port_level->pairs[i].key;
		long long port;
		if (node_int(k, &port) != 0 || port < 1 || port > 65535)
			return dc_fail(c, k, "spec.portLevelMtls",
			               "port must be in range 1..65535, got %s", k->str);
		if (check_enum(c, port_level->pairs[i].value, "mode", "spec.portLevelMtls.mode",
		               modes) != 0)
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
		return check_gateway(c, spec);
	case MESH_SERVICEENTRY:
		return check_service_entry(c, spec);
	case MESH_SIDECAR:
		return check_sidecar(c, spec);
	case MESH_PEERAUTHENTICATION:
		return check_peer_authentication(c, spec);
	default:
		return 0;
	}
}
