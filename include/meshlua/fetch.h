/* fetch: config dumps over HTTP(S) with libcurl. A URL is either a dump
 * itself (".../config_dump?include_eds", a file server's dump.json) or the
 * base URL of an Envoy admin endpoint ("http://127.0.0.1:15000", no path):
 * then both GET /config_dump?include_eds and GET /clusters?format=json are
 * asked, concurrently. Many URLs are fetched at once with curl's multi
 * interface, each result reported on its own. Proxies come from the
 * environment (http_proxy, https_proxy, no_proxy), as curl reads them.
 * No Lua here. */
#ifndef MESHLUA_FETCH_H
#define MESHLUA_FETCH_H

#include <stddef.h>

#include "meshlua/error.h"
#include "meshlua/xds.h"

struct fetch_opts {
	long timeout_ms;           /* whole transfer; 0 means 30 s */
	long connect_timeout_ms;   /* 0 means 10 s */
	long max_redirects;        /* redirects followed; -1 means 5, 0 none */
	const char *authorization; /* the Authorization header's value, or NULL */
	const char *ca_file;       /* CA bundle to verify servers with, or NULL */
	int insecure;              /* skip TLS verification */
	int admin;                 /* 1: treat as admin base URL; 0: as a dump; -1: by its path */
	size_t max_bytes;          /* refuse larger bodies; 0 means 2 GiB */
};

/* The options curl uses when none are given. */
void fetch_opts_default(struct fetch_opts *o);

/* One response body, owned by the caller (free with fetch_body_free). */
struct fetch_body {
	char *data; /* NUL-terminated */
	size_t len;
	long status; /* HTTP status, 0 when none came */
};

/* GET url. Returns 0 with *body filled, or -1 with err: the URL and what
 * went wrong ("connection refused", "timed out after 2000 ms", "HTTP 500:
 * <first line of the body>", "truncated body: got 10 of 100 bytes"). */
int fetch_get(const char *url, const struct fetch_opts *o, struct fetch_body *body,
              struct mesh_error *err);

/* Releases a body. */
void fetch_body_free(struct fetch_body *body);

/* The snapshots of n URLs, fetched concurrently: out[i] is a new snapshot
 * (one reference, the caller's) named urls[i], or NULL with errs[i] filled.
 * Returns the number that failed. */
size_t fetch_proxies(const char *const *urls, size_t n, const struct fetch_opts *o,
                     struct xds_snapshot **out, struct mesh_error *errs);

#endif
