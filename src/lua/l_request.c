/* Requests for the resolution engine: a Lua request (a URL string or a
 * table, see proxy:resolve) checked field by field and copied into the
 * trace it will produce, as a struct resolve_request. Unknown fields and
 * malformed values raise a clear error; nothing is resolved here. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lua/l_resolve.h"

static const char *dup_str(lua_State *L, struct l_trace *t, const char *s, size_t len)
{
	char *d;
	if (len < sizeof t->inline_buf - t->inline_used) {
		d = t->inline_buf + t->inline_used;
		t->inline_used += len + 1;
		memcpy(d, s, len);
		d[len] = '\0';
		return d;
	}
	if (!(d = arena_strndup(&t->arena, s, len)))
		luaL_error(L, "out of memory");
	return d;
}

static int is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int valid_host(const char *h, size_t len)
{
	if (len == 0)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_", h[i]))
			return 0;
	return 1;
}

struct url {
	const char *scheme, *host, *path;
	size_t scheme_len, host_len;
	long port; /* -1 when absent */
};

/* scheme://host[:port][/path?query]; host may be [v6]. */
static int parse_url(const char *u, struct url *out, const char **why)
{
	const char *p = strstr(u, "://"), *h, *end;
	memset(out, 0, sizeof *out);
	out->port = -1;
	if (!p || p == u) {
		*why = "no scheme:// in it";
		return -1;
	}
	out->scheme = u;
	out->scheme_len = (size_t)(p - u);
	for (size_t i = 0; i < out->scheme_len; i++)
		if (!isalpha((unsigned char)u[i])) {
			*why = "the scheme has bad characters";
			return -1;
		}
	h = p + 3;
	end = h + strcspn(h, "/?#");
	out->path = *end ? end : NULL;
	if (*h == '[') {
		const char *close = memchr(h, ']', (size_t)(end - h));
		if (!close) {
			*why = "an IPv6 host needs a closing ]";
			return -1;
		}
		out->host = h + 1;
		out->host_len = (size_t)(close - h - 1);
		p = close + 1;
	} else {
		p = memchr(h, ':', (size_t)(end - h));
		out->host = h;
		out->host_len = (size_t)((p ? p : end) - h);
		if (!valid_host(out->host, out->host_len)) {
			*why = out->host_len ? "the host has bad characters" : "it has no host";
			return -1;
		}
	}
	if (p && p < end && *p == ':') {
		char *stop;
		if (p + 1 == end || !isdigit((unsigned char)p[1])) {
			*why = "the port is not a number";
			return -1;
		}
		errno = 0;
		out->port = strtol(p + 1, &stop, 10);
		if (stop != end || errno) {
			*why = "the port is not a number";
			return -1;
		}
	} else if (p && p < end) {
		*why = "unexpected text after the host";
		return -1;
	}
	return 0;
}

static void add_header(lua_State *L, struct l_trace *t, const char *name, const char *value)
{
	struct resolve_request *q = &t->req;
	if (q->header_count >= RESOLVE_MAX_HEADERS)
		luaL_error(L, "bad request: too many headers (at most %d)", RESOLVE_MAX_HEADERS);
	if (!*name)
		luaL_error(L, "bad request: a header needs a name");
	if (!t->headers &&
	    !(t->headers = arena_alloc(&t->arena, RESOLVE_MAX_HEADERS * sizeof *t->headers)))
		luaL_error(L, "out of memory");
	t->headers[q->header_count].name = dup_str(L, t, name, strlen(name));
	t->headers[q->header_count].value = dup_str(L, t, value, strlen(value));
	q->headers = t->headers;
	q->header_count++;
}

/* headers = { name = value | {values...} } or { {name, value}, ... } */
static void read_headers(lua_State *L, int idx, struct l_trace *t, const char *field, int response)
{
	int hidx;
	if (lua_getfield(L, idx, field) == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (!lua_istable(L, -1))
		luaL_error(L, "bad request: %s must be a table", field);
	hidx = lua_gettop(L);
	if (response) {
		size_t n = lua_rawlen(L, hidx);
		struct resolve_header *seed = arena_calloc(&t->arena, n ? n : 1, sizeof *seed);
		if (!seed)
			luaL_error(L, "out of memory");
		for (size_t i = 0; i < n; i++) {
			if (lua_rawgeti(L, hidx, (lua_Integer)i + 1) != LUA_TTABLE)
				luaL_error(L, "bad request: %s[%d] must be {name, value}", field,
				           (int)i + 1);
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			if (!lua_isstring(L, -2) || !lua_isstring(L, -1))
				luaL_error(L, "bad request: %s[%d] must be {name, value}", field,
				           (int)i + 1);
			seed[i].name = dup_str(L, t, lua_tostring(L, -2), lua_rawlen(L, -2));
			seed[i].value = dup_str(L, t, lua_tostring(L, -1), lua_rawlen(L, -1));
			lua_pop(L, 3);
		}
		t->response_seed = seed;
		t->response_seed_count = n;
		lua_pop(L, 1);
		return;
	}
	/* A list of pairs keeps its order; a map is taken in sorted name order
	 * so the same table always makes the same request. */
	if (lua_rawlen(L, hidx) > 0) {
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, hidx); i++) {
			if (lua_rawgeti(L, hidx, i) != LUA_TTABLE)
				luaL_error(L, "bad request: headers[%d] must be {name, value}",
				           (int)i);
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			if (!lua_isstring(L, -2) || !lua_isstring(L, -1))
				luaL_error(L, "bad request: headers[%d] must be {name, value}",
				           (int)i);
			add_header(L, t, lua_tostring(L, -2), lua_tostring(L, -1));
			lua_pop(L, 3);
		}
	} else {
		lua_getglobal(L, "require");
		lua_pushliteral(L, "meshlua.trace");
		lua_call(L, 1, 1);
		lua_getfield(L, -1, "sorted_pairs_list");
		lua_pushvalue(L, hidx);
		lua_call(L, 1, 1);
		for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, -1); i++) {
			lua_rawgeti(L, -1, i);
			lua_rawgeti(L, -1, 1);
			lua_rawgeti(L, -2, 2);
			if (lua_type(L, -2) != LUA_TSTRING)
				luaL_error(L, "bad request: header names must be strings");
			if (lua_istable(L, -1)) {
				for (lua_Integer k = 1; k <= (lua_Integer)lua_rawlen(L, -1); k++) {
					lua_rawgeti(L, -1, k);
					if (!lua_isstring(L, -1))
						luaL_error(L,
						           "bad request: header %s: values must be "
						           "strings",
						           lua_tostring(L, -3));
					add_header(L, t, lua_tostring(L, -3), lua_tostring(L, -1));
					lua_pop(L, 1);
				}
			} else if (lua_isstring(L, -1)) {
				add_header(L, t, lua_tostring(L, -2), lua_tostring(L, -1));
			} else {
				luaL_error(L, "bad request: header %s must be a string",
				           lua_tostring(L, -2));
			}
			lua_pop(L, 3);
		}
		lua_pop(L, 2);
	}
	lua_pop(L, 1);
}

static void read_alpn(lua_State *L, int idx, struct l_trace *t)
{
	struct resolve_request *q = &t->req;
	int type = lua_getfield(L, idx, "alpn");
	if (type == LUA_TSTRING) {
		q->alpn[0] = dup_str(L, t, lua_tostring(L, -1), lua_rawlen(L, -1));
		q->alpn_count = 1;
	} else if (type == LUA_TTABLE) {
		size_t n = lua_rawlen(L, -1);
		if (n > RESOLVE_MAX_ALPN)
			luaL_error(L, "bad request: at most %d alpn protocols", RESOLVE_MAX_ALPN);
		for (size_t i = 0; i < n; i++) {
			lua_rawgeti(L, -1, (lua_Integer)i + 1);
			if (!lua_isstring(L, -1))
				luaL_error(L, "bad request: alpn entries must be strings");
			q->alpn[i] = dup_str(L, t, lua_tostring(L, -1), lua_rawlen(L, -1));
			lua_pop(L, 1);
		}
		q->alpn_count = n;
	} else if (type != LUA_TNIL) {
		luaL_error(L, "bad request: alpn must be a string or a list");
	}
	lua_pop(L, 1);
}

static void read_source(lua_State *L, struct l_trace *t, const char *src)
{
	const char *colon = strrchr(src, ':');
	char host[64];
	if (colon && strchr(src, '.') && colon > src) {
		size_t n = (size_t)(colon - src);
		char *end;
		long port;
		if (n >= sizeof host)
			luaL_error(L, "bad request: source \"%s\" is not an address", src);
		memcpy(host, src, n);
		host[n] = '\0';
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			luaL_error(L, "bad request: source port in \"%s\" must be from 1 to 65535",
			           src);
		t->req.source_port = (uint32_t)port;
		src = host;
	}
	if (!is_ip(src))
		luaL_error(L, "bad request: source \"%s\" is not an IP address", src);
	t->req.source_address = dup_str(L, t, src, strlen(src));
}

/* The fields of a request table, read in one pass (lua_next): unknown
 * names are refused, so a typo does not silently change the request. */
struct req_fields {
	const char *url, *host, *protocol, *path, *method, *scheme, *sni, *source, *hash_key,
	    *runtime, *listener, *route_config, *authority, *address;
	int has_port, has_random, internal, runtime_mock;
	int headers, response_headers, alpn;
	lua_Integer port, random_value;
};

static const char *field_string(lua_State *L, struct l_trace *t, const char *key)
{
	size_t len;
	const char *s;
	if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
		luaL_error(L, "bad request: %s must be a string, got %s", key,
		           luaL_typename(L, -1));
	lua_pushvalue(L, -1); /* tolstring on a copy: never touch what lua_next walks */
	s = lua_tolstring(L, -1, &len);
	s = dup_str(L, t, s, len);
	lua_pop(L, 1);
	return s;
}

static lua_Integer field_integer(lua_State *L, const char *key)
{
	if (!lua_isinteger(L, -1))
		luaL_error(L, "bad request: %s must be an integer", key);
	return lua_tointeger(L, -1);
}

static void read_fields(lua_State *L, int idx, struct l_trace *t, struct req_fields *f)
{
	/* The usual fields first: each key costs a comparison per name tried. */
	static const char *const string_keys[] = {
	    "url",      "address", "host",   "path",     "method",  "scheme",   "authority",
	    "protocol", "sni",     "source", "hash_key", "runtime", "listener", "route_config",
	};
	const char **string_slots[] = {
	    &f->url,      &f->address,   &f->host,     &f->path,         &f->method,
	    &f->scheme,   &f->authority, &f->protocol, &f->sni,          &f->source,
	    &f->hash_key, &f->runtime,   &f->listener, &f->route_config,
	};
	memset(f, 0, sizeof *f);
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		const char *key;
		size_t k;
		if (lua_type(L, -2) != LUA_TSTRING)
			luaL_error(L, "bad request: field names must be strings");
		key = lua_tostring(L, -2);
		for (k = 0; k < sizeof string_keys / sizeof string_keys[0]; k++)
			if (strcmp(key, string_keys[k]) == 0)
				break;
		if (k == 0 && lua_type(L, -1) == LUA_TSTRING) {
			f->url = lua_tostring(L, -1); /* parsed now, held by the table */
		} else if (k < sizeof string_keys / sizeof string_keys[0]) {
			*string_slots[k] = field_string(L, t, key);
		} else if (strcmp(key, "port") == 0) {
			f->has_port = 1;
			f->port = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : -1;
			if (!lua_isinteger(L, -1))
				luaL_error(L, "bad request: port must be an integer");
		} else if (strcmp(key, "random_value") == 0) {
			f->has_random = 1;
			f->random_value = field_integer(L, key);
			if (f->random_value < 0)
				luaL_error(L, "bad request: random_value must be a non-negative "
				              "integer");
		} else if (strcmp(key, "internal") == 0) {
			f->internal = lua_toboolean(L, -1);
		} else if (strcmp(key, "runtime_mock") == 0) {
			f->runtime_mock = lua_toboolean(L, -1);
		} else if (strcmp(key, "headers") == 0) {
			f->headers = 1;
		} else if (strcmp(key, "response_headers") == 0) {
			f->response_headers = 1;
		} else if (strcmp(key, "alpn") == 0) {
			f->alpn = 1;
		} else {
			luaL_error(L,
			           "bad request: unknown field \"%s\" (known: url, host, port, "
			           "address, path, method, scheme, headers, protocol, sni, alpn, "
			           "source, random_value, hash_key, internal, authority, listener, "
			           "route_config, runtime, runtime_mock, response_headers)",
			           key);
		}
		lua_pop(L, 1);
	}
}

void l_resolve_check_request(lua_State *L, int idx, struct l_trace *t,
                             int (*host_to_address)(void *ctx, const char *host, char *buf,
                                                    size_t cap),
                             void *ctx, int need_address)
{
	struct resolve_request *q = &t->req;
	struct req_fields f;
	struct url u;
	const char *url = NULL, *why, *s, *host = NULL;
	char hostbuf[256];
	long port = -1;
	int https = 0, is_table = lua_type(L, idx) == LUA_TTABLE;
	idx = lua_absindex(L, idx);
	memset(&f, 0, sizeof f);
	if (lua_type(L, idx) == LUA_TSTRING)
		url = lua_tostring(L, idx);
	else if (is_table) {
		read_fields(L, idx, t, &f);
		url = f.url;
	} else
		luaL_typeerror(L, idx, "URL string or request table");
	if (url) {
		if (parse_url(url, &u, &why) < 0)
			luaL_error(L, "bad URL \"%s\": %s", url, why);
		if (u.host_len >= sizeof hostbuf)
			luaL_error(L, "bad URL \"%s\": the host is too long", url);
		memcpy(hostbuf, u.host, u.host_len);
		hostbuf[u.host_len] = '\0';
		host = hostbuf;
		port = u.port;
		if (u.scheme_len == 5 && strncmp(u.scheme, "https", 5) == 0)
			https = 1;
		else if (u.scheme_len == 3 && strncmp(u.scheme, "tcp", 3) == 0)
			q->protocol = RESOLVE_PROTO_TCP;
		else if (!(u.scheme_len == 4 && strncmp(u.scheme, "http", 4) == 0))
			luaL_error(L, "bad URL \"%s\": scheme must be http, https or tcp", url);
		if (u.path)
			q->path = dup_str(L, t, u.path, strlen(u.path));
		if (port == 0 || port > 65535)
			luaL_error(L, "bad URL \"%s\": port %d must be from 1 to 65535", url,
			           (int)port);
		if (port < 0 && q->protocol == RESOLVE_PROTO_TCP)
			luaL_error(L, "bad URL \"%s\": a tcp:// URL needs a port", url);
	}
	if (https) {
		q->scheme = "https";
		q->protocol = RESOLVE_PROTO_TLS;
	}
	if (is_table) {
		if ((s = f.host)) {
			if (strlen(s) >= sizeof hostbuf || (!valid_host(s, strlen(s)) && !is_ip(s)))
				luaL_error(L, "bad request: host \"%s\" is not a host name", s);
			strcpy(hostbuf, s);
			host = hostbuf;
		}
		if (f.has_port && (f.port < 1 || f.port > 65535))
			luaL_error(L, "bad request: port %d must be from 1 to 65535", (int)f.port);
		if (f.has_port)
			port = (long)f.port;
		if ((s = f.protocol)) {
			if (strcmp(s, "http") == 0 || strcmp(s, "http1") == 0)
				q->protocol = RESOLVE_PROTO_HTTP;
			else if (strcmp(s, "http2") == 0 || strcmp(s, "h2c") == 0)
				q->protocol = RESOLVE_PROTO_HTTP2;
			else if (strcmp(s, "tcp") == 0)
				q->protocol = RESOLVE_PROTO_TCP;
			else if (strcmp(s, "tls") == 0)
				q->protocol = RESOLVE_PROTO_TLS;
			else
				luaL_error(L,
				           "bad request: protocol \"%s\" must be http, http2, tcp "
				           "or tls",
				           s);
		}
		if (f.path)
			q->path = f.path;
		if (f.method)
			q->method = f.method;
		if (f.scheme)
			q->scheme = f.scheme;
		if (f.sni)
			q->sni = f.sni;
		if (f.source)
			read_source(L, t, f.source);
		if (f.hash_key) {
			q->hash_key = f.hash_key;
			q->has_hash_key = 1;
		}
		if (f.runtime) {
			q->runtime_key = f.runtime;
			q->runtime_mock = 1;
		}
		q->runtime_mock |= f.runtime_mock;
		q->internal = f.internal;
		if (f.has_random) {
			q->random_value = (uint64_t)f.random_value;
			q->has_random_value = 1;
		}
		if (f.headers)
			read_headers(L, idx, t, "headers", 0);
		if (f.response_headers)
			read_headers(L, idx, t, "response_headers", 1);
		if (f.alpn)
			read_alpn(L, idx, t);
		q->listener = f.listener;
		q->route_config = f.route_config;
		if (f.authority)
			q->authority = f.authority;
		if ((s = f.address)) {
			if (!is_ip(s))
				luaL_error(L, "bad request: address \"%s\" is not an IP address",
				           s);
			q->address = s;
		}
	}
	if (port < 0)
		port = https ? 443 : 80;
	q->port = (uint32_t)port;
	if (host && !q->authority) {
		/* What a client puts in Host: the port only when it is not the
		 * scheme's default. */
		char buf[300], digits[8];
		size_t n = 0, hlen = strlen(host), d = 0;
		int ipv6 = memchr(host, ':', hlen) != NULL;
		unsigned p = (unsigned)port;
		if (ipv6)
			buf[n++] = '[';
		memcpy(buf + n, host, hlen);
		n += hlen;
		if (ipv6)
			buf[n++] = ']';
		if (port != (https ? 443 : 80)) {
			buf[n++] = ':';
			do {
				digits[d++] = (char)('0' + p % 10);
				p /= 10;
			} while (p);
			while (d)
				buf[n++] = digits[--d];
		}
		q->authority = dup_str(L, t, buf, n);
	}
	if (https && host && !q->sni)
		q->sni = dup_str(L, t, host, strlen(host));
	if (!q->address && host && is_ip(host))
		q->address = dup_str(L, t, host, strlen(host));
	if (!q->address && need_address && !q->route_config) {
		char addr[64];
		if (!host)
			luaL_error(L, "bad request: give a URL, a host or an address");
		if (!host_to_address)
			luaL_error(L,
			           "bad request: host \"%s\" is not an IP address and a loaded "
			           "dump has no DNS: give address = \"<ip>\"",
			           host);
		if (host_to_address(ctx, host, addr, sizeof addr) < 0)
			luaL_error(L, "bad request: host \"%s\" is not a service of the mesh",
			           host);
		q->address = dup_str(L, t, addr, strlen(addr));
	}
}
