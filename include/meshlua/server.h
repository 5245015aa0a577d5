/* server: a small HTTP/1.1 server on its own threads (libmicrohttpd), the
 * base of the Envoy admin interface and ControlZ. It owns the sockets, the
 * limits (request size, connection count, time) and the parsing; a handler
 * turns one parsed request into one response. Handlers run on the server's
 * threads, several at once: they must only read thread-safe state (snapshot
 * references, atomics, data under their own locks). No Lua here. */
#ifndef MESHLUA_SERVER_H
#define MESHLUA_SERVER_H

#include <stddef.h>

#include "meshlua/error.h"
#include "meshlua/strbuf.h"

/* One request, valid for the duration of the handler call. */
struct http_request {
	const char *method; /* "GET", "HEAD", "POST", "PUT" ... */
	const char *path;   /* the URL path, percent-decoded except %00 (kept as
	                     * is, so a path never hides a NUL), without the query */
	const char *body;   /* the request body, NUL-terminated; "" when none */
	size_t body_len;
	void *conn; /* private: the connection, for http_request_arg */
};

/* The value of query argument key ("" for `?include_eds` with no value),
 * percent-decoded; NULL when the query has no such argument. */
const char *http_request_arg(const struct http_request *r, const char *key);

/* The value of request header name (case-insensitive), or NULL. */
const char *http_request_header(const struct http_request *r, const char *name);

#define HTTP_MAX_HEADERS 6

/* An immutable, reference-counted response body that many responses can
 * send without copying it (a cached answer). Thread-safe. */
struct http_body {
	int refs; /* private */
	size_t len;
	char data[]; /* len bytes, NUL-terminated */
};

/* A new body holding a copy of the len bytes at data, one reference; NULL
 * when out of memory. */
struct http_body *http_body_new(const char *data, size_t len);
void http_body_ref(struct http_body *b);
/* Drops a reference; the last frees. NULL is ignored. */
void http_body_unref(struct http_body *b);

/* What a handler fills in. status and body start as 200 and empty. */
struct http_response {
	int status;
	const char *content_type; /* a static string; NULL means text/plain */
	struct strbuf body;
	struct http_body *shared; /* when set, sent instead of body; the response
	                           * owns this reference */
	size_t header_count;      /* extra headers, static strings */
	const char *headers[HTTP_MAX_HEADERS][2];
};

/* Adds a header (name and value must outlive the response: static strings
 * or strings owned by the handler's context). Extra headers past
 * HTTP_MAX_HEADERS are dropped. */
void http_response_header(struct http_response *resp, const char *name, const char *value);

/* Sets status and a plain-text body (replacing any body). Returns 0 or -1
 * when memory runs out. */
int http_response_text(struct http_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Serves one request. Called on a server thread, concurrently with other
 * calls; ctx is the one given to http_server_start. A handler that runs out
 * of memory sets status 500. */
typedef void (*http_handler)(void *ctx, const struct http_request *req, struct http_response *resp);

struct http_server_opts {
	const char *address;      /* numeric IPv4/IPv6 address or "localhost";
	                           * NULL means 127.0.0.1 */
	int port;                 /* 0 picks a free port */
	unsigned max_connections; /* 0: 128 */
	unsigned timeout_s;       /* idle time before a connection is closed; 0: 10 */
	size_t max_header_bytes;  /* request line plus headers; 0: 32 KiB */
	size_t max_body_bytes;    /* larger bodies get 413; 0: 64 KiB */
	unsigned threads;         /* worker threads; 0: 2 */
};

struct http_server;

/* Starts serving on its own threads. Returns the server, or NULL with err
 * naming the address (address in use, bad address, out of memory). */
struct http_server *http_server_start(const struct http_server_opts *opts, http_handler handler,
                                      void *ctx, struct mesh_error *err);

/* The port the server listens on (the one picked when opts.port was 0). */
int http_server_port(const struct http_server *s);

/* The address it listens on, numeric ("127.0.0.1", "::1"). */
const char *http_server_address(const struct http_server *s);

/* Stops accepting, closes every connection, waits for running handlers to
 * return and frees s. NULL is ignored. After it returns the handler is never
 * called again, so ctx may be freed. */
void http_server_stop(struct http_server *s);

#endif
