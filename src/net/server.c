/* The HTTP server under the admin interface and ControlZ (see
 * include/meshlua/server.h): libmicrohttpd with an internal thread pool,
 * bounded header size (431 past it), body size (413), connection count and
 * idle time; our own percent-decoding so %00 never truncates a path. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "meshlua/server.h"

struct http_server {
	struct MHD_Daemon *daemon;
	http_handler handler;
	void *ctx;
	size_t max_body;
	int port;
	char address[64];
};

/* Per-request state, from the first call of on_request to on_completed. */
struct req_state {
	struct strbuf body;
	int too_large;
};

const char *http_request_arg(const struct http_request *r, const char *key)
{
	const char *value = NULL;
	size_t len = 0;
	if (!r->conn || MHD_lookup_connection_value_n(r->conn, MHD_GET_ARGUMENT_KIND, key,
	                                              strlen(key), &value, &len) != MHD_YES)
		return NULL;
	return value ? value : "";
}

const char *http_request_header(const struct http_request *r, const char *name)
{
	if (!r->conn)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

void http_response_header(struct http_response *resp, const char *name, const char *value)
{
	if (resp->header_count >= HTTP_MAX_HEADERS)
		return;
	resp->headers[resp->header_count][0] = name;
	resp->headers[resp->header_count][1] = value;
	resp->header_count++;
}

int http_response_text(struct http_response *resp, int status, const char *fmt, ...)
{
	va_list ap;
	int rc;
	resp->status = status;
	resp->content_type = "text/plain; charset=UTF-8";
	strbuf_reset(&resp->body);
	va_start(ap, fmt);
	rc = strbuf_vappendf(&resp->body, fmt, ap);
	va_end(ap);
	return rc;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s in place, leaving "%00" (and malformed escapes) as
 * written: a decoded NUL would cut the string short and make
 * "/config_dump%00/x" look like "/config_dump". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *out = s;
	(void)cls;
	(void)c;
	for (const char *in = s; *in; in++) {
		int hi, lo;
		if (in[0] == '%' && (hi = hex_value(in[1])) >= 0 && (lo = hex_value(in[2])) >= 0 &&
		    (hi | lo) != 0) {
			*out++ = (char)(hi * 16 + lo);
			in += 2;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
	return (size_t)(out - s);
}

struct http_body *http_body_new(const char *data, size_t len)
{
	struct http_body *b = malloc(sizeof *b + len + 1);
	if (!b)
		return NULL;
	b->refs = 1;
	b->len = len;
	memcpy(b->data, data, len);
	b->data[len] = '\0';
	return b;
}

void http_body_ref(struct http_body *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
}

void http_body_unref(struct http_body *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(b);
}

static void release_shared(void *cls)
{
	http_body_unref(cls);
}

/* The MHD response of r: its shared body (no copy) or its own text. */
static struct MHD_Response *make_response(struct http_response *r)
{
	size_t len = 0;
	char *data;
	struct MHD_Response *resp;
	if (r->shared) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    r->shared->len, r->shared->data, release_shared, r->shared);
		if (resp)
			r->shared = NULL; /* MHD releases it */
		return resp;
	}
	data = strbuf_detach(&r->body, &len);
	if (!data)
		return NULL;
	resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(data);
	return resp;
}

static enum MHD_Result send_response(struct MHD_Connection *c, struct http_response *r)
{
	struct MHD_Response *resp = make_response(r);
	enum MHD_Result rc;
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        r->content_type ? r->content_type : "text/plain; charset=UTF-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache, max-age=0");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < r->header_count; i++)
		MHD_add_response_header(resp, r->headers[i][0], r->headers[i][1]);
	rc = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result send_text(struct MHD_Connection *c, int status, const char *text)
{
	struct http_response r = {.status = status};
	strbuf_init(&r.body);
	if (strbuf_puts(&r.body, text) != 0)
		return MHD_NO;
	return send_response(c, &r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct req_state *st = *con_cls;
	struct http_request req;
	struct http_response resp;
	enum MHD_Result rc;
	(void)version;
	if (!st) {
		const char *length;
		st = calloc(1, sizeof *st);
		if (!st)
			return MHD_NO;
		strbuf_init(&st->body);
		*con_cls = st;
		/* A declared body over the limit is refused before it is read;
		 * the connection closes after the answer. */
		length =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (length && strtoull(length, NULL, 10) > s->max_body) {
			st->too_large = 1;
			return send_text(c, 413, "request body too large\n");
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!st->too_large && st->body.len + *upload_data_size <= s->max_body) {
			if (strbuf_append(&st->body, upload_data, *upload_data_size) != 0)
				return MHD_NO;
		} else {
			st->too_large = 1; /* chunked bodies: read and drop the rest */
			strbuf_free(&st->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->too_large)
		return send_text(c, 413, "request body too large\n");
	req.method = method;
	req.path = url;
	req.body = strbuf_cstr(&st->body);
	req.body_len = st->body.len;
	req.conn = c;
	memset(&resp, 0, sizeof resp);
	resp.status = 200;
	strbuf_init(&resp.body);
	s->handler(s->ctx, &req, &resp);
	rc = send_response(c, &resp);
	strbuf_free(&resp.body);
	http_body_unref(resp.shared); /* not sent */
	return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct req_state *st = *con_cls;
	(void)cls;
	(void)c;
	(void)toe;
	if (st) {
		strbuf_free(&st->body);
		free(st);
		*con_cls = NULL;
	}
}

/* Fills *ss from a numeric address or "localhost". Returns its length or 0. */
static socklen_t parse_address(const char *address, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof *ss);
	if (strcmp(address, "localhost") == 0)
		address = "127.0.0.1";
	if (inet_pton(AF_INET, address, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		return sizeof *v4;
	}
	if (inet_pton(AF_INET6, address, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		return sizeof *v6;
	}
	return 0;
}

struct http_server *http_server_start(const struct http_server_opts *opts, http_handler handler,
                                      void *ctx, struct mesh_error *err)
{
	const char *address = opts->address ? opts->address : "127.0.0.1";
	struct sockaddr_storage ss;
	socklen_t len = 0;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;
	const union MHD_DaemonInfo *info;
	struct http_server *s;
	if (opts->port < 0 || opts->port > 65535) {
		mesh_error_set(err, NULL, 0, 0, "port %d is out of range (0-65535)", opts->port);
		return NULL;
	}
	len = parse_address(address, opts->port, &ss);
	if (len == 0) {
		mesh_error_set(err, NULL, 0, 0,
		               "address \"%s\" is not a numeric IPv4 or IPv6 address", address);
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return NULL;
	}
	s->handler = handler;
	s->ctx = ctx;
	s->max_body = opts->max_body_bytes ? opts->max_body_bytes : 64 * 1024;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
	    flags, (uint16_t)opts->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(opts->max_connections ? opts->max_connections : 128),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(opts->timeout_s ? opts->timeout_s : 10),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(opts->max_header_bytes ? opts->max_header_bytes : 32 * 1024),
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(opts->threads ? opts->threads : 2),
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    NULL, MHD_OPTION_END);
	if (!s->daemon) {
		mesh_error_set(err, NULL, 0, 0,
		               "cannot listen on %s:%d (address in use, or not an address "
		               "of this machine)",
		               address, opts->port);
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : opts->port;
	inet_ntop(ss.ss_family,
	          ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
	                                   : (void *)&((struct sockaddr_in *)&ss)->sin_addr,
	          s->address, sizeof s->address);
	return s;
}

int http_server_port(const struct http_server *s)
{
	return s->port;
}

const char *http_server_address(const struct http_server *s)
{
	return s->address;
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free(s);
}
