/* GET /config_dump on the admin server: the query's resource=, mask=,
 * name_regex= and include_eds handed to the one config dump shaping of
 * src/xds (xds_dump.h, as Envoy's config_dump_handler.cc answers them), its
 * status and text made an HTTP answer, and answers cached per query while
 * their snapshot is served (snapshots are immutable). */
#include <stdlib.h>
#include <string.h>

#include "admin_int.h"
#include "meshlua/xds_dump.h"

void admin_dump_cache_clear(struct admin *a)
{
	for (int i = 0; i < ADMIN_DUMP_CACHE; i++) {
		struct admin_dump_cache *c = &a->cache[i];
		xds_snapshot_unref(c->snap);
		free(c->key);
		http_body_unref(c->body);
		memset(c, 0, sizeof *c);
	}
}

/* The cache key of a query: each parameter, absent ones marked apart from
 * empty ones. NULL when out of memory. */
static char *cache_key(const struct http_request *req)
{
	static const char *const params[] = {"resource", "mask", "name_regex", "include_eds"};
	struct strbuf key = STRBUF_INIT;
	for (int i = 0; i < 4; i++) {
		const char *v = http_request_arg(req, params[i]);
		if (strbuf_puts(&key, v ? "=" : "-") != 0 || (v && strbuf_puts(&key, v) != 0) ||
		    strbuf_putc(&key, '\n') != 0) {
			strbuf_free(&key);
			return NULL;
		}
	}
	return strbuf_detach(&key, NULL);
}

/* Copies a cached answer for (snap, key) into resp. Returns 1 when found. */
static int cache_get(struct admin *a, struct xds_snapshot *snap, const char *key,
                     struct http_response *resp)
{
	int found = 0;
	pthread_mutex_lock(&a->lock);
	for (int i = 0; i < ADMIN_DUMP_CACHE && !found; i++) {
		struct admin_dump_cache *c = &a->cache[i];
		if (c->snap == snap && c->key && strcmp(c->key, key) == 0) {
			http_body_ref(c->body); /* sent without a copy */
			resp->shared = c->body;
			resp->status = c->status;
			resp->content_type = c->content_type;
			found = 1;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return found;
}

/* Keeps resp as the answer for (snap, key), if snap is still the one served. */
static void cache_put(struct admin *a, struct xds_snapshot *snap, char *key,
                      const struct http_response *resp)
{
	struct http_body *body = http_body_new(strbuf_cstr(&resp->body), resp->body.len);
	struct admin_dump_cache *c;
	if (!body) {
		free(key);
		return;
	}
	pthread_mutex_lock(&a->lock);
	if (a->snap != snap) { /* pushed meanwhile: this answer is already old */
		pthread_mutex_unlock(&a->lock);
		free(key);
		http_body_unref(body);
		return;
	}
	c = &a->cache[a->cache_next++ % ADMIN_DUMP_CACHE];
	xds_snapshot_unref(c->snap);
	free(c->key);
	http_body_unref(c->body);
	xds_snapshot_ref(snap);
	c->snap = snap;
	c->key = key;
	c->body = body;
	c->status = resp->status;
	c->content_type = resp->content_type;
	pthread_mutex_unlock(&a->lock);
}

static void render_config_dump(struct xds_snapshot *snap, const struct http_request *req,
                               struct http_response *resp);

void admin_page_config_dump(struct admin *a, struct xds_snapshot *snap,
                            const struct http_request *req, struct http_response *resp)
{
	char *key = cache_key(req);
	if (key && cache_get(a, snap, key, resp)) {
		free(key);
		return;
	}
	render_config_dump(snap, req, resp);
	if (key && resp->status != 500)
		cache_put(a, snap, key, resp);
	else
		free(key);
}

/* Builds the answer to GET /config_dump for snap. */
static void render_config_dump(struct xds_snapshot *snap, const struct http_request *req,
                               struct http_response *resp)
{
	struct xds_dump_opts opts = {
	    http_request_arg(req, "resource"),
	    http_request_arg(req, "mask"),
	    http_request_arg(req, "name_regex"),
	    /* Envoy's shouldIncludeEdsInDump: present, whatever its value */
	    http_request_arg(req, "include_eds") ? XDS_DUMP_EDS_ENVOY : XDS_DUMP_EDS_NONE,
	};
	struct mesh_error err;
	int status = xds_write_config_dump(&resp->body, snap, &opts, &err);
	if (status == 0) {
		resp->content_type = "application/json";
	} else if (status == 500) {
		http_response_text(resp, 500, "out of memory\n");
	} else {
		resp->status = status; /* Envoy's text is the body, as text/plain */
	}
}
