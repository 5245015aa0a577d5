/* mesh:proxy(ref [, ns]): the Envoy of a simulated pod (its sidecar, or an
 * Istio gateway), as a proxy userdata whose snapshot src/synth builds from
 * the mesh. The proxy keeps the mesh userdata in its user value, rebuilds
 * its snapshot lazily when the mesh version moved (an xDS push), and
 * resolves host names as kube-dns answers the pod. The rules live in
 * src/synth; this file translates. */
#include <stdlib.h>
#include <string.h>

#include "lua/bindings.h"
#include "lua/l_mesh.h"
#include "lua/l_proxy.h"
#include "meshlua/synth.h"

/* The state of one synthesized proxy (struct l_proxy.ctx). */
struct synth_ctx {
	struct l_mesh *lm; /* the mesh userdata, kept alive by the proxy's user value */
	const struct istio_profile *profile;
	char *ref;    /* what the user asked for: "deployment/web-frontend", "<pod>.<ns>" */
	char *ns;     /* the namespace argument, or NULL */
	char *pod_ns; /* the namespace of the pod it resolved to */
};

static void ctx_free(void *p)
{
	struct synth_ctx *c = p;
	if (!c)
		return;
	free(c->ref);
	free(c->ns);
	free(c->pod_ns);
	free(c);
}

/* The pod the reference names now (a deployment's first pod may change). */
static struct mesh_object *current_pod(struct synth_ctx *c, struct mesh_error *err)
{
	struct mesh_object *pod;
	if (!c->lm->mesh) {
		mesh_error_set(err, NULL, 0, 0, "proxy %s: its mesh was closed", c->ref);
		return NULL;
	}
	pod = mesh_resolve_pod(c->lm->mesh, c->ref, c->ns, err);
	if (!pod) {
		char why[sizeof err->message];
		memcpy(why, err->message, sizeof why);
		mesh_error_set(err, NULL, 0, 0, "proxy %s: %s", c->ref, why);
	}
	return pod;
}

static struct xds_snapshot *refresh(void *p, struct xds_snapshot *current, struct mesh_error *err)
{
	struct synth_ctx *c = p;
	struct mesh_object *pod;
	if (!c->lm->mesh) {
		mesh_error_set(err, NULL, 0, 0, "proxy %s: its mesh was closed", c->ref);
		return NULL;
	}
	if (current && current->version == mesh_version(c->lm->mesh)) {
		xds_snapshot_ref(current);
		return current;
	}
	pod = current_pod(c, err);
	if (!pod)
		return NULL;
	return synth_build(c->lm->mesh, pod, c->profile, err);
}

static int resolve_host(void *p, const char *host, char *buf, size_t cap)
{
	struct synth_ctx *c = p;
	if (!c->lm->mesh)
		return -1;
	return synth_resolve_host(c->lm->mesh, c->pod_ns, host, buf, cap);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* mesh:proxy(ref [, ns]) -> proxy. ref: "deployment/web-frontend",
 * "pod/<name>", "<pod>.<namespace>", "<pod>" (in ns, default "default"), or
 * a pod object.
 * Raises kubectl's words when nothing matches, and why when the pod runs no
 * Envoy ("its namespace was not labelled istio-injection=enabled when it
 * was created"). */
static int l_mesh_proxy(lua_State *L)
{
	struct l_mesh *lm = luaL_checkudata(L, 1, MESHLUA_MESH);
	const char *ref, *ns = NULL;
	struct mesh_error err;
	struct mesh_object *pod;
	struct xds_snapshot *snap;
	struct synth_ctx *c;
	struct l_proxy *p;
	char name[600];
	if (!lm->mesh)
		return luaL_argerror(L, 1, "the mesh was closed");
	mesh_error_clear(&err);
	if (luaL_testudata(L, 2, MESHLUA_MESH_OBJECT)) {
		/* a Pod object, as mesh:get("pod", ...) returns it */
		pod = meshlua_check_mesh_object(L, 2);
		if (pod->kind != MESH_POD)
			return luaL_argerror(L, 2, "a pod object or a pod reference expected");
		if (pod->deleted)
			return luaL_error(L, "pod %s.%s no longer exists", pod->name,
			                  pod->namespace_);
		lua_pushfstring(L, "%s.%s", pod->name, pod->namespace_);
		lua_replace(L, 2);
		ref = lua_tostring(L, 2);
	} else {
		ref = luaL_checkstring(L, 2);
		ns = luaL_optstring(L, 3, NULL);
		pod = mesh_resolve_pod(lm->mesh, ref, ns, &err);
		if (!pod)
			return meshlua_mesh_error(L, &err);
	}
	/* "pod <name>.<ns> has no Envoy: it has no istio-proxy sidecar because
	 * <why>" (mesh_pod_proxy_check says it all). */
	if (mesh_pod_proxy_check(pod, &err) != 0)
		return meshlua_mesh_error(L, &err);
	snap = synth_build(lm->mesh, pod, lm->profile, &err);
	if (!snap)
		return meshlua_mesh_error(L, &err);
	c = calloc(1, sizeof *c);
	if (c) {
		c->lm = lm;
		c->profile = lm->profile;
		c->ref = strdup(ref);
		c->ns = dup_or_null(ns);
		c->pod_ns = strdup(pod->namespace_);
	}
	if (!c || !c->ref || (ns && !c->ns) || !c->pod_ns) {
		ctx_free(c);
		xds_snapshot_unref(snap);
		return luaL_error(L, "out of memory");
	}
	snprintf(name, sizeof name, "%s.%s", pod->name, pod->namespace_);
	p = meshlua_push_proxy(L, snap, lm->profile, name);
	p->refresh = refresh;
	p->resolve_host = resolve_host;
	p->ctx = c;
	p->ctx_free = ctx_free;
	lua_pushvalue(L, 1);
	lua_setiuservalue(L, -2, 1);
	return 1;
}

static const luaL_Reg mesh_methods[] = {
    {"proxy", l_mesh_proxy},
    {NULL, NULL},
};

void meshlua_open_synth(lua_State *L)
{
	meshlua_mesh_add_methods(L, mesh_methods);
}
