/* Internal to ControlZ (src/net/controlz*.c): the state and the pages. */
#ifndef MESHLUA_NET_CONTROLZ_INT_H
#define MESHLUA_NET_CONTROLZ_INT_H

#include <pthread.h>

#include "meshlua/controlz.h"

struct controlz_proxy {
	char *name, *kind;
	uint64_t config_version, pushes;
};

struct controlz_object {
	char *kind, *namespace_, *name;
	uint64_t resource_version;
};

struct controlz_mesh {
	int refs;
	uint64_t version;
	size_t proxy_count, proxy_cap;
	struct controlz_proxy *proxies;
	size_t object_count, object_cap;
	struct controlz_object *objects;
};

struct controlz {
	pthread_mutex_t lock; /* guards scopes, changes and mesh */
	struct controlz_scope *scopes;
	size_t scope_count;
	uint64_t changes;
	struct controlz_mesh *mesh; /* one reference, or NULL */
	char *instance, *istio_version, *meshlua_version;
};

/* The mesh summary served now (a new reference, or NULL). */
struct controlz_mesh *controlz_current_mesh(struct controlz *cz);

/* The topics, in sidebar order. */
struct controlz_topic {
	const char *title;  /* "Logging Scopes" */
	const char *prefix; /* "scope": pages at /scopez/, JSON at /scopej/ */
};
extern const struct controlz_topic controlz_topics[];
extern const size_t controlz_topic_count;

/* HTML pages (controlz_pages.c). topic is NULL for the home page. */
void controlz_page(struct controlz *cz, const struct controlz_topic *topic,
                   struct http_response *resp);
void controlz_page_not_found(struct controlz *cz, const char *path, struct http_response *resp);

/* JSON of a topic (controlz.c). */
void controlz_json(struct controlz *cz, const struct controlz_topic *topic,
                   struct http_response *resp);

#endif
