/* Validation of the Istio kinds at the mesh's edges and around its
 * workloads: Gateway, ServiceEntry, Sidecar and PeerAuthentication, with
 * istioctl validate's checks and wording (see decode_istio.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "decode_istio.h"

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
	dc_path_join(sub, sizeof sub, path, ".port");
	if (dc_map(c, s, "port", sub, 0, &port) != 0)
		return -1;
	if (!port)
		return dc_fail(c, s, sub, "port is required");
	dc_path_join(sub, sizeof sub, path, ".port.number");
	if (istio_check_port_number(c, port, "number", sub, 1) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".port.protocol");
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
	dc_path_join(sub, sizeof sub, path, ".hosts");
	if (istio_string_list(c, s, "hosts", sub, &hosts) != 0)
		return -1;
	if (!hosts || hosts->len == 0)
		return dc_fail(c, s, sub, "server config must contain at least one host");
	for (size_t i = 0; i < hosts->len; i++) {
		const char *h = hosts->items[i]->str, *slash = strchr(h, '/');
		char host[300], problem[400];
		dc_pathf(sub, sizeof sub, "%s.hosts[%zu]", path, i);
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
		if (istio_wildcard_domain_problem(host, problem, sizeof problem) != 0)
			return dc_fail(c, hosts->items[i], sub, "%s", problem);
	}
	dc_path_join(sub, sizeof sub, path, ".tls");
	if (dc_map(c, s, "tls", sub, 0, &tls) != 0)
		return -1;
	if (!tls && (strcasecmp(protocol, "HTTPS") == 0 || strcasecmp(protocol, "TLS") == 0))
		return dc_fail(c, s, sub, "server must have TLS settings for HTTPS/TLS protocols");
	return 0;
}

int istio_check_gateway(struct dctx *c, const struct node *spec)
{
	const struct node *servers, *selector;
	if (dc_seq(c, spec, "servers", "spec.servers", 0, &servers) != 0 ||
	    dc_map(c, spec, "selector", "spec.selector", 0, &selector) != 0 ||
	    istio_check_labels(c, selector, "spec.selector") != 0)
		return -1;
	if (!servers || servers->len == 0)
		return dc_fail(c, spec, "spec.servers", "gateway must have at least one server");
	for (size_t i = 0; i < servers->len; i++) {
		char path[64];
		const struct node *name = dc_get(dc_get(servers->items[i], "port"), "name");
		dc_pathf(path, sizeof path, "spec.servers[%zu]", i);
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

int istio_check_service_entry(struct dctx *c, const struct node *spec)
{
	static const char *const locations[] = {"MESH_EXTERNAL", "MESH_INTERNAL", NULL};
	static const char *const resolutions[] = {"NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", NULL};
	const struct node *hosts, *ports, *endpoints;
	const char *resolution;
	if (istio_string_list(c, spec, "hosts", "spec.hosts", &hosts) != 0)
		return -1;
	if (!hosts || hosts->len == 0)
		return dc_fail(c, spec, "spec.hosts", "service entry must have at least one host");
	for (size_t i = 0; i < hosts->len; i++) {
		char path[64];
		dc_pathf(path, sizeof path, "spec.hosts[%zu]", i);
		if (strcmp(hosts->items[i]->str, "*") == 0)
			return dc_fail(c, hosts->items[i], path, "invalid host %s",
			               hosts->items[i]->str);
		if (istio_check_host(c, hosts->items[i], path) != 0)
			return -1;
	}
	if (istio_check_enum(c, spec, "location", "spec.location", locations) != 0 ||
	    dc_enum(c, spec, "resolution", "spec.resolution", resolutions, "NONE", &resolution) !=
	        0 ||
	    dc_seq(c, spec, "ports", "spec.ports", 0, &ports) != 0 ||
	    dc_seq(c, spec, "endpoints", "spec.endpoints", 0, &endpoints) != 0)
		return -1;
	for (size_t i = 0; ports && i < ports->len; i++) {
		const struct node *p = ports->items[i];
		const char *name, *protocol;
		char path[64], sub[120];
		dc_pathf(path, sizeof path, "spec.ports[%zu]", i);
		if (p->type != NODE_MAP)
			return dc_fail(c, p, path, "must be a map");
		dc_path_join(sub, sizeof sub, path, ".number");
		if (istio_check_port_number(c, p, "number", sub, 1) != 0)
			return -1;
		dc_path_join(sub, sizeof sub, path, ".name");
		if (dc_str(c, p, "name", sub, 0, &name) != 0)
			return -1;
		for (size_t j = 0; name && j < i; j++) {
			const struct node *other = dc_get(ports->items[j], "name");
			if (other && node_is_str(other) && strcmp(other->str, name) == 0)
				return dc_fail(c, node_get(p, "name"), sub,
				               "port names must be unique: duplicate name %s",
				               name);
		}
		dc_path_join(sub, sizeof sub, path, ".protocol");
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
		dc_pathf(path, sizeof path, "spec.endpoints[%zu].address", i);
		if (endpoints->items[i]->type != NODE_MAP)
			return dc_fail(c, endpoints->items[i], path, "must be a map");
		if (dc_str(c, endpoints->items[i], "address", path, 0, &address) != 0)
			return -1;
		dc_pathf(path, sizeof path, "spec.endpoints[%zu].labels", i);
		if (istio_check_labels(c, dc_get(endpoints->items[i], "labels"), path) != 0)
			return -1;
	}
	return 0;
}

int istio_check_sidecar(struct dctx *c, const struct node *spec)
{
	const struct node *egress, *selector;
	if (dc_map(c, spec, "workloadSelector", "spec.workloadSelector", 0, &selector) != 0 ||
	    (selector && istio_check_labels(c, dc_get(selector, "labels"),
	                                    "spec.workloadSelector.labels") != 0) ||
	    dc_seq(c, spec, "egress", "spec.egress", 0, &egress) != 0)
		return -1;
	for (size_t i = 0; egress && i < egress->len; i++) {
		const struct node *hosts;
		char path[64];
		dc_pathf(path, sizeof path, "spec.egress[%zu].hosts", i);
		if (egress->items[i]->type != NODE_MAP)
			return dc_fail(c, egress->items[i], path, "must be a map");
		if (istio_string_list(c, egress->items[i], "hosts", path, &hosts) != 0)
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
			if (istio_wildcard_domain_problem(slash + 1, problem, sizeof problem) != 0)
				return dc_fail(c, hosts->items[j], path, "%s", problem);
		}
	}
	return 0;
}

int istio_check_peer_authentication(struct dctx *c, const struct node *spec)
{
	static const char *const modes[] = {"UNSET", "DISABLE", "PERMISSIVE", "STRICT", NULL};
	const struct node *mtls, *selector, *port_level;
	if (dc_map(c, spec, "mtls", "spec.mtls", 0, &mtls) != 0 ||
	    (mtls && istio_check_enum(c, mtls, "mode", "spec.mtls.mode", modes) != 0) ||
	    dc_map(c, spec, "selector", "spec.selector", 0, &selector) != 0 ||
	    (selector && istio_check_labels(c, dc_get(selector, "matchLabels"),
	                                    "spec.selector.matchLabels") != 0) ||
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
		if (istio_check_enum(c, port_level->pairs[i].value, "mode",
		                     "spec.portLevelMtls.mode", modes) != 0)
			return -1;
	}
	return 0;
}
