/* Port protocols as istiod derives them: protocol.Parse
 * (pkg/config/protocol/instance.go) and the Kubernetes conversion
 * (pkg/config/kube/conversion.go ConvertProtocol): UDP ports are UDP;
 * appProtocol beats the port name; "grpc-web..." is gRPC-Web; otherwise the
 * text before the first '-' is parsed; an unknown protocol on 25, 53, 3306
 * or 27017 is TCP, elsewhere it is auto-detected (Unsupported). */
#include <string.h>
#include <strings.h>

#include "synth_int.h"

static const struct {
	const char *name;
	enum proto p;
} names[] = {
    {"tcp", P_TCP},           {"udp", P_UDP},     {"grpc", P_GRPC},
    {"grpc-web", P_GRPC_WEB}, {"http", P_HTTP},   {"http_proxy", P_HTTP_PROXY},
    {"http2", P_HTTP2},       {"https", P_HTTPS}, {"tls", P_TLS},
    {"mongo", P_MONGO},       {"redis", P_REDIS}, {"mysql", P_MYSQL},
};

enum proto proto_parse(const char *s)
{
	if (!s)
		return P_UNSUPPORTED;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].p;
	return P_UNSUPPORTED;
}

static int well_known_tcp(int port)
{
	return port == 25 || port == 53 || port == 3306 || port == 27017;
}

enum proto proto_of_kube_port(const struct mesh_port *p)
{
	const char *name = p->name ? p->name : "";
	char prefix[64];
	const char *dash;
	size_t n;
	enum proto r;
	if (p->protocol &&
	    (strcasecmp(p->protocol, "UDP") == 0 || strcasecmp(p->protocol, "SCTP") == 0))
		return P_UDP;
	if (p->app_protocol) {
		name = p->app_protocol;
		if (strcmp(name, "kubernetes.io/h2c") == 0)
			return P_HTTP2;
		if (strcmp(name, "kubernetes.io/ws") == 0)
			return P_HTTP;
		if (strcmp(name, "kubernetes.io/wss") == 0)
			return P_HTTPS;
	}
	if (strncasecmp(name, "grpc-web", 8) == 0)
		return P_GRPC_WEB;
	dash = strchr(name, '-');
	n = dash ? (size_t)(dash - name) : strlen(name);
	if (n >= sizeof prefix)
		n = sizeof prefix - 1;
	memcpy(prefix, name, n);
	prefix[n] = '\0';
	r = proto_parse(prefix);
	if (r == P_UNSUPPORTED && well_known_tcp(p->port))
		return P_TCP;
	return r;
}

enum proto proto_of_name(const char *protocol, int port)
{
	(void)port;
	return proto_parse(protocol);
}

enum lproto proto_listener(enum proto p)
{
	switch (p) {
	case P_HTTP:
	case P_HTTP2:
	case P_GRPC:
	case P_GRPC_WEB:
	case P_HTTP_PROXY:
		return LP_HTTP;
	case P_TCP:
	case P_HTTPS:
	case P_TLS:
	case P_MONGO:
	case P_REDIS:
	case P_MYSQL:
		return LP_TCP;
	case P_UNSUPPORTED:
		return LP_AUTO;
	case P_UDP:
		break;
	}
	return LP_NONE;
}

int proto_is_http(enum proto p)
{
	return proto_listener(p) == LP_HTTP;
}

int proto_is_http2(enum proto p)
{
	return p == P_HTTP2 || p == P_GRPC || p == P_GRPC_WEB;
}

int proto_is_grpc(enum proto p)
{
	return p == P_GRPC || p == P_GRPC_WEB;
}

int proto_is_tls(enum proto p)
{
	return p == P_HTTPS || p == P_TLS;
}

const char *proto_name(enum proto p)
{
	switch (p) {
	case P_HTTP:
		return "HTTP";
	case P_HTTP2:
		return "HTTP2";
	case P_GRPC:
		return "GRPC";
	case P_GRPC_WEB:
		return "GRPC-Web";
	case P_HTTP_PROXY:
		return "HTTP_PROXY";
	case P_HTTPS:
		return "HTTPS";
	case P_TLS:
		return "TLS";
	case P_TCP:
		return "TCP";
	case P_MONGO:
		return "Mongo";
	case P_REDIS:
		return "Redis";
	case P_MYSQL:
		return "MySQL";
	case P_UDP:
		return "UDP";
	case P_UNSUPPORTED:
		break;
	}
	return "UnsupportedProtocol";
}
