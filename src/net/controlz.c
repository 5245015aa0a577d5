/* ControlZ state and routing (see controlz.h): the logging scopes of the
 * simulated istiod, the published mesh summary, the URL layout of
 * istio/istio pkg/ctrlz (/<topic>z/ pages, /<topic>j/ JSON, GET and PUT
 * /scopej/<scope>), and the JSON of each topic. The HTML is in
 * controlz_pages.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "controlz_int.h"
#include "jsonw.h"
#include "sysinfo.h"

static const char *const level_names[] = {"none", "error", "warn", "info", "debug"};

const char *controlz_level_name(enum controlz_level level)
{
	return (unsigned)level < 5 ? level_names[level] : "none";
}

int controlz_level_parse(const char *name)
{
	for (int i = 0; name && i < 5; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

/* istiod's logging scopes (istio 1.10 `istiod --help`, --log_output_level),
 * sorted by name as log.Scopes() lists them. */
static const char *const istiod_scopes[][2] = {
    {"ads", "ads debugging"},
    {"adsc", "adsc debugging"},
    {"analysis", "Scope for configuration analysis runtime"},
    {"authn", "authn debugging"},
    {"authorization", "Istio Authorization Policy"},
    {"cache", "cache debugging"},
    {"citadelclient", "citadel client debugging"},
    {"default", "Unscoped logging messages."},
    {"delta", "delta xds debugging"},
    {"gateway", "gateway-api controller"},
    {"grpcgen", "xDS Generator for Proxyless gRPC"},
    {"kube", "kube debugging"},
    {"model", "model debugging"},
    {"monitor", "monitor debugging"},
    {"processing", "Scope for configuration processing runtime"},
    {"retry", "Scope for retry operations"},
    {"serviceentry", "ServiceEntry controller"},
    {"spiffe", "SPIFFE library logging"},
    {"status", "status debugging"},
    {"telemetry", "telemetry debugging"},
    {"validation", "CRD validation debugging"},
    {"validationController", "validation webhook controller"},
    {"validationServer", "validation webhook server"},
    {"wle", "wle controller debugging"},
};

const struct controlz_topic controlz_topics[] = {
    {"Logging Scopes", "scope"},
    {"Memory Usage", "mem"},
    {"Environment Variables", "env"},
    {"Process Info", "proc"},
    {"Command-Line Arguments", "args"},
    {"Version Info", "version"},
    {"Mesh", "mesh"},
};
const size_t controlz_topic_count = sizeof controlz_topics / sizeof controlz_topics[0];

struct controlz *controlz_new(const struct controlz_info *info)
{
	size_t n = sizeof istiod_scopes / sizeof istiod_scopes[0];
	struct controlz *cz = calloc(1, sizeof *cz);
	if (!cz)
		return NULL;
	cz->scopes = calloc(n, sizeof *cz->scopes);
	cz->instance = strdup(info && info->instance ? info->instance : "istiod");
	cz->istio_version = strdup(info && info->istio_version ? info->istio_version : "");
	cz->meshlua_version = strdup(info && info->meshlua_version ? info->meshlua_version : "");
	if (!cz->scopes || !cz->instance || !cz->istio_version || !cz->meshlua_version) {
		free(cz->scopes);
		free(cz->instance);
		free(cz->istio_version);
		free(cz->meshlua_version);
		free(cz);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		struct controlz_scope *s = &cz->scopes[i];
		strncpy(s->name, istiod_scopes[i][0], sizeof s->name - 1);
		strncpy(s->description, istiod_scopes[i][1], sizeof s->description - 1);
		s->output_level = CONTROLZ_INFO;
		s->stack_trace_level = CONTROLZ_NONE;
	}
	cz->scope_count = n;
	pthread_mutex_init(&cz->lock, NULL);
	return cz;
}

void controlz_free(struct controlz *cz)
{
	if (!cz)
		return;
	controlz_mesh_unref(cz->mesh);
	pthread_mutex_destroy(&cz->lock);
	free(cz->scopes);
	free(cz->instance);
	free(cz->istio_version);
	free(cz->meshlua_version);
	free(cz);
}

size_t controlz_scope_count(struct controlz *cz)
{
	return cz->scope_count; /* fixed at creation */
}

int controlz_scope_at(struct controlz *cz, size_t i, struct controlz_scope *out)
{
	if (i >= cz->scope_count)
		return -1;
	pthread_mutex_lock(&cz->lock);
	*out = cz->scopes[i];
	pthread_mutex_unlock(&cz->lock);
	return 0;
}

static struct controlz_scope *find_scope(struct controlz *cz, const char *name)
{
	for (size_t i = 0; i < cz->scope_count; i++)
		if (strcmp(cz->scopes[i].name, name) == 0)
			return &cz->scopes[i];
	return NULL;
}

int controlz_scope_get(struct controlz *cz, const char *name, struct controlz_scope *out)
{
	struct controlz_scope *s;
	int rc = -1;
	pthread_mutex_lock(&cz->lock);
	s = find_scope(cz, name);
	if (s) {
		*out = *s;
		rc = 0;
	}
	pthread_mutex_unlock(&cz->lock);
	return rc;
}

int controlz_scope_set(struct controlz *cz, const char *name, const char *output_level,
                       const char *stack_trace_level, int log_callers)
{
	struct controlz_scope *s;
	int out = controlz_level_parse(output_level);
	int st = controlz_level_parse(stack_trace_level);
	pthread_mutex_lock(&cz->lock);
	s = find_scope(cz, name);
	if (s) {
		if (out >= 0)
			s->output_level = (enum controlz_level)out;
		if (st >= 0)
			s->stack_trace_level = (enum controlz_level)st;
		if (log_callers >= 0)
			s->log_callers = log_callers != 0;
		cz->changes++;
	}
	pthread_mutex_unlock(&cz->lock);
	return s ? 0 : -1;
}

uint64_t controlz_scope_changes(struct controlz *cz)
{
	uint64_t n;
	pthread_mutex_lock(&cz->lock);
	n = cz->changes;
	pthread_mutex_unlock(&cz->lock);
	return n;
}

/* ---- mesh summary ------------------------------------------------------------ */

struct controlz_mesh *controlz_mesh_new(uint64_t version)
{
	struct controlz_mesh *m = calloc(1, sizeof *m);
	if (m) {
		m->refs = 1;
		m->version = version;
	}
	return m;
}

int controlz_mesh_add_proxy(struct controlz_mesh *m, const char *name, const char *kind,
                            uint64_t config_version, uint64_t pushes)
{
	struct controlz_proxy *p;
	if (m->proxy_count == m->proxy_cap) {
		size_t cap = m->proxy_cap ? m->proxy_cap * 2 : 16;
		struct controlz_proxy *grown = realloc(m->proxies, cap * sizeof *grown);
		if (!grown)
			return -1;
		m->proxies = grown;
		m->proxy_cap = cap;
	}
	p = &m->proxies[m->proxy_count];
	p->name = strdup(name);
	p->kind = strdup(kind ? kind : "");
	if (!p->name || !p->kind) {
		free(p->name);
		free(p->kind);
		return -1;
	}
	p->config_version = config_version;
	p->pushes = pushes;
	m->proxy_count++;
	return 0;
}

int controlz_mesh_set_pushes(struct controlz_mesh *m, const char *name, uint64_t config_version,
                             uint64_t pushes)
{
	for (size_t i = 0; i < m->proxy_count; i++)
		if (strcmp(m->proxies[i].name, name) == 0) {
			m->proxies[i].config_version = config_version;
			m->proxies[i].pushes = pushes;
			return 0;
		}
	return -1;
}

int controlz_mesh_add_object(struct controlz_mesh *m, const char *kind, const char *namespace_,
                             const char *name, uint64_t resource_version)
{
	struct controlz_object *o;
	if (m->object_count == m->object_cap) {
		size_t cap = m->object_cap ? m->object_cap * 2 : 64;
		struct controlz_object *grown = realloc(m->objects, cap * sizeof *grown);
		if (!grown)
			return -1;
		m->objects = grown;
		m->object_cap = cap;
	}
	o = &m->objects[m->object_count];
	o->kind = strdup(kind);
	o->namespace_ = strdup(namespace_ ? namespace_ : "");
	o->name = strdup(name);
	if (!o->kind || !o->namespace_ || !o->name) {
		free(o->kind);
		free(o->namespace_);
		free(o->name);
		return -1;
	}
	o->resource_version = resource_version;
	m->object_count++;
	return 0;
}

void controlz_mesh_ref(struct controlz_mesh *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
}

void controlz_mesh_unref(struct controlz_mesh *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < m->proxy_count; i++) {
		free(m->proxies[i].name);
		free(m->proxies[i].kind);
	}
	for (size_t i = 0; i < m->object_count; i++) {
		free(m->objects[i].kind);
		free(m->objects[i].namespace_);
		free(m->objects[i].name);
	}
	free(m->proxies);
	free(m->objects);
	free(m);
}

void controlz_publish_mesh(struct controlz *cz, struct controlz_mesh *m)
{
	struct controlz_mesh *old;
	if (m)
		controlz_mesh_ref(m);
	pthread_mutex_lock(&cz->lock);
	old = cz->mesh;
	cz->mesh = m;
	pthread_mutex_unlock(&cz->lock);
	controlz_mesh_unref(old);
}

struct controlz_mesh *controlz_current_mesh(struct controlz *cz)
{
	struct controlz_mesh *m;
	pthread_mutex_lock(&cz->lock);
	m = cz->mesh;
	if (m)
		controlz_mesh_ref(m);
	pthread_mutex_unlock(&cz->lock);
	return m;
}

/* ---- JSON ---------------------------------------------------------------------- */

static void json_scope(struct jsonw *w, const struct controlz_scope *s)
{
	jw_object(w);
	jw_kv_string(w, "name", s->name);
	jw_kv_string(w, "description", s->description);
	jw_kv_string(w, "output_level", controlz_level_name(s->output_level));
	jw_kv_string(w, "stack_trace_level", controlz_level_name(s->stack_trace_level));
	jw_key(w, "log_callers");
	jw_bool(w, s->log_callers);
	jw_end(w);
}

static void json_list(struct jsonw *w, const struct sysinfo_list *l, int numbers)
{
	jw_object(w);
	for (size_t i = 0; i < l->count; i++) {
		char *end;
		long long v = strtoll(l->values[i], &end, 10);
		jw_key(w, l->names[i]);
		if (numbers && *l->values[i] && *end == '\0')
			jw_int(w, v);
		else
			jw_string(w, l->values[i]);
	}
	jw_end(w);
}

void controlz_json(struct controlz *cz, const struct controlz_topic *topic,
                   struct http_response *resp)
{
	struct jsonw w;
	struct sysinfo_list l;
	const char *p = topic->prefix;
	jw_init(&w, &resp->body, 2);
	sysinfo_init(&l);
	if (strcmp(p, "scope") == 0) {
		jw_array(&w);
		for (size_t i = 0; i < controlz_scope_count(cz); i++) {
			struct controlz_scope s;
			if (controlz_scope_at(cz, i, &s) == 0)
				json_scope(&w, &s);
		}
		jw_end(&w);
	} else if (strcmp(p, "mem") == 0) {
		sysinfo_memory(&l);
		json_list(&w, &l, 1);
	} else if (strcmp(p, "env") == 0) {
		sysinfo_environment(&l);
		json_list(&w, &l, 0);
	} else if (strcmp(p, "proc") == 0) {
		sysinfo_process(&l);
		json_list(&w, &l, 1);
	} else if (strcmp(p, "args") == 0) {
		sysinfo_arguments(&l);
		jw_array(&w);
		for (size_t i = 0; i < l.count; i++)
			jw_string(&w, l.values[i]);
		jw_end(&w);
	} else if (strcmp(p, "version") == 0) {
		/* istio.io/pkg/version BuildInfo's fields */
		jw_object(&w);
		jw_kv_string(&w, "version", cz->istio_version);
		jw_kv_string(&w, "revision", "meshlua");
		jw_kv_string(&w, "golang_version", "");
		jw_kv_string(&w, "status", "Clean");
		jw_kv_string(&w, "tag", cz->istio_version);
		jw_kv_string(&w, "meshlua_version", cz->meshlua_version);
		jw_end(&w);
	} else {
		struct controlz_mesh *m = controlz_current_mesh(cz);
		jw_object(&w);
		jw_kv_int(&w, "version", m ? (long long)m->version : 0);
		jw_key(&w, "proxies");
		jw_array(&w);
		for (size_t i = 0; m && i < m->proxy_count; i++) {
			jw_object(&w);
			jw_kv_string(&w, "name", m->proxies[i].name);
			jw_kv_string(&w, "kind", m->proxies[i].kind);
			jw_kv_int(&w, "config_version", (long long)m->proxies[i].config_version);
			jw_kv_int(&w, "pushes", (long long)m->proxies[i].pushes);
			jw_end(&w);
		}
		jw_end(&w);
		jw_key(&w, "objects");
		jw_array(&w);
		for (size_t i = 0; m && i < m->object_count; i++) {
			jw_object(&w);
			jw_kv_string(&w, "kind", m->objects[i].kind);
			jw_kv_string(&w, "namespace", m->objects[i].namespace_);
			jw_kv_string(&w, "name", m->objects[i].name);
			jw_kv_int(&w, "resource_version",
			          (long long)m->objects[i].resource_version);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
		controlz_mesh_unref(m);
	}
	if (jw_failed(&w) || l.failed || strbuf_putc(&resp->body, '\n') != 0) {
		http_response_text(resp, 500, "out of memory\n");
	} else {
		resp->status = 200;
		resp->content_type = "application/json";
	}
	sysinfo_free(&l);
}

/* PUT /scopej/<scope> with a scopeInfo JSON body, as ControlZ's putScope:
 * 202 on success, 400 for a bad body or an unknown scope. */
static void put_scope(struct controlz *cz, const char *name, const struct http_request *req,
                      struct http_response *resp)
{
	cJSON *body = cJSON_ParseWithLength(req->body, req->body_len);
	const cJSON *out, *st, *callers;
	int log_callers;
	if (!body || !cJSON_IsObject(body)) {
		cJSON_Delete(body);
		http_response_text(resp, 400, "{\"error\":\"unable to decode request\"}\n");
		resp->content_type = "application/json";
		return;
	}
	out = cJSON_GetObjectItemCaseSensitive(body, "output_level");
	st = cJSON_GetObjectItemCaseSensitive(body, "stack_trace_level");
	callers = cJSON_GetObjectItemCaseSensitive(body, "log_callers");
	/* Go's decoder leaves an absent bool false: ControlZ sets it anyway */
	log_callers = cJSON_IsTrue(callers) ? 1 : 0;
	if (controlz_scope_set(cz, name, cJSON_IsString(out) ? out->valuestring : NULL,
	                       cJSON_IsString(st) ? st->valuestring : NULL, log_callers) != 0) {
		struct jsonw w;
		char msg[256];
		snprintf(msg, sizeof msg, "unknown scope name: %s", name);
		strbuf_reset(&resp->body);
		jw_init(&w, &resp->body, 0);
		jw_object(&w);
		jw_kv_string(&w, "error", msg);
		jw_end(&w);
		resp->status = 400;
		resp->content_type = "application/json";
	} else {
		resp->status = 202;
	}
	cJSON_Delete(body);
}

static void get_scope(struct controlz *cz, const char *name, struct http_response *resp)
{
	struct controlz_scope s;
	struct jsonw w;
	jw_init(&w, &resp->body, 2);
	if (controlz_scope_get(cz, name, &s) != 0) {
		char msg[256];
		snprintf(msg, sizeof msg, "unknown scope name: %s", name);
		jw_object(&w);
		jw_kv_string(&w, "error", msg);
		jw_end(&w);
		resp->status = 400;
	} else {
		json_scope(&w, &s);
		resp->status = 200;
	}
	resp->content_type = "application/json";
}

/* Matches path against "/<prefix><suffix>" with an optional trailing slash
 * (gorilla/mux StrictSlash). Sets *rest to what follows "/<prefix><suffix>/"
 * ("" when nothing). */
static int topic_path(const char *path, const char *prefix, char suffix, const char **rest)
{
	size_t n = strlen(prefix);
	if (path[0] != '/' || strncmp(path + 1, prefix, n) != 0 || path[n + 1] != suffix)
		return 0;
	path += n + 2;
	if (*path == '\0') {
		*rest = "";
		return 1;
	}
	if (*path != '/')
		return 0;
	*rest = path + 1;
	return 1;
}

void controlz_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
	struct controlz *cz = ctx;
	const char *rest;
	int get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
	if (strcmp(req->path, "/") == 0) {
		controlz_page(cz, NULL, resp);
		return;
	}
	for (size_t i = 0; i < controlz_topic_count; i++) {
		const struct controlz_topic *t = &controlz_topics[i];
		if (topic_path(req->path, t->prefix, 'z', &rest) && *rest == '\0') {
			controlz_page(cz, t, resp);
			return;
		}
		if (!topic_path(req->path, t->prefix, 'j', &rest))
			continue;
		if (*rest == '\0' && get) {
			controlz_json(cz, t, resp);
			return;
		}
		if (*rest && i == 0 && !strchr(rest, '/')) {
			if (strcmp(req->method, "PUT") == 0)
				put_scope(cz, rest, req, resp);
			else if (get)
				get_scope(cz, rest, resp);
			else
				http_response_text(resp, 405, "405 method not allowed\n");
			return;
		}
		if (*rest == '\0') {
			http_response_text(resp, 405, "405 method not allowed\n");
			return;
		}
	}
	controlz_page_not_found(cz, req->path, resp);
}
