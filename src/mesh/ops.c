/* kubectl's operations on named objects: delete, label, scale, rollout
 * restart, and the simulation's own readiness switch. Each is one
 * transaction; errors read as kubectl prints them (`Error from server
 * (NotFound): deployments.apps "nope" not found`). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

static struct mesh_object *find_or_fail(struct mesh *m, enum mesh_kind kind, const char *ns,
                                        const char *name, struct mesh_error *err)
{
	struct mesh_object *o = mesh_find(m, kind, ns, name);
	if (!o)
		mesh_error_set(err, NULL, 0, 0, "Error from server (NotFound): %s \"%s\" not found",
		               mesh_kind_info(kind)->plural_group, name);
	return o;
}

int mesh_delete(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                struct mesh_error *err)
{
	struct mesh_object *o;
	struct txn t;
	mesh_error_clear(err);
	if (!(o = find_or_fail(m, kind, ns, name, err)))
		return -1;
	txn_begin(&t, m, err);
	if (mesh_delete_staged(&t, o) != 0) {
		txn_abort(&t);
		return -1;
	}
	return txn_commit(&t, NULL);
}

int mesh_label(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
               const struct mesh_label_change *changes, size_t count, int overwrite, int *changed,
               struct mesh_error *err)
{
	struct mesh_object *o;
	struct mesh_label *pairs;
	size_t n;
	int differs = 0;
	struct txn t;
	mesh_error_clear(err);
	*changed = 0;
	if (!(o = find_or_fail(m, kind, ns, name, err)))
		return -1;
	pairs = malloc((o->labels.count + count + 1) * sizeof *pairs);
	if (!pairs) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	n = o->labels.count;
	memcpy(pairs, o->labels.items, n * sizeof *pairs);
	for (size_t i = 0; i < count; i++) {
		const char *key = changes[i].key, *value = changes[i].value, *problem;
		size_t at = n;
		if ((problem = label_key_problem(key))) {
			mesh_error_set(err, NULL, 0, 0, "error: invalid label key \"%s\": %s", key,
			               problem);
			free(pairs);
			return -1;
		}
		if (value && (problem = label_value_problem(value))) {
			mesh_error_set(err, NULL, 0, 0, "error: invalid label value: \"%s=%s\": %s",
			               key, value, problem);
			free(pairs);
			return -1;
		}
		/* The API server keeps a namespace's name label. */
		if (kind == MESH_NAMESPACE && strcmp(key, "kubernetes.io/metadata.name") == 0)
			continue;
		for (size_t j = 0; j < n; j++)
			if (strcmp(pairs[j].key, key) == 0)
				at = j;
		if (!value) {
			if (at < n) {
				pairs[at] = pairs[--n];
				differs = 1;
			}
			continue;
		}
		if (at < n && strcmp(pairs[at].value, value) == 0)
			continue;
		if (at < n && !overwrite) {
			mesh_error_set(
			    err, NULL, 0, 0,
			    "error: '%s' already has a value (%s), and --overwrite is false", key,
			    pairs[at].value);
			free(pairs);
			return -1;
		}
		pairs[at].key = key;
		pairs[at].value = value;
		if (at == n)
			n++;
		differs = 1;
	}
	if (!differs) {
		free(pairs);
		return 0;
	}
	txn_begin(&t, m, err);
	if (txn_set_labels(&t, o, pairs, n) != 0) {
		free(pairs);
		txn_abort(&t);
		return -1;
	}
	free(pairs);
	if (txn_commit(&t, NULL) != 0)
		return -1;
	*changed = 1;
	return 0;
}

static struct mesh_object *workload_or_fail(struct mesh *m, enum mesh_kind kind, const char *ns,
                                            const char *name, const char *verb,
                                            struct mesh_error *err)
{
	if (kind != MESH_DEPLOYMENT && kind != MESH_STATEFULSET &&
	    (kind != MESH_DAEMONSET || strcmp(verb, "scale") == 0)) {
		mesh_error_set(err, NULL, 0, 0, "error: %s %s: %s cannot be %s", verb,
		               mesh_kind_info(kind)->plural, mesh_kind_info(kind)->kind,
		               strcmp(verb, "scale") == 0 ? "scaled" : "restarted");
		return NULL;
	}
	return find_or_fail(m, kind, ns, name, err);
}

int mesh_scale(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name, int replicas,
               struct mesh_error *err)
{
	struct mesh_object *o;
	struct mesh_workload *w;
	int old;
	struct txn t;
	mesh_error_clear(err);
	if (replicas < 0 || replicas > 100000) {
		mesh_error_set(err, NULL, 0, 0,
		               "error: The --replicas=COUNT flag is required, and COUNT must be "
		               "greater than or equal to 0");
		return -1;
	}
	if (!(o = workload_or_fail(m, kind, ns, name, "scale", err)))
		return -1;
	w = o->workload;
	if (w->replicas == replicas)
		return 0;
	/* Planned in place, undone when the controller cannot make the pods. */
	old = w->replicas;
	w->replicas = replicas;
	txn_begin(&t, m, err);
	t.changed = 1;
	if (txn_touch(&t, kind, o->namespace_, o->name) != 0) {
		txn_abort(&t);
		w->replicas = old;
		return -1;
	}
	if (txn_commit(&t, NULL) != 0) {
		w->replicas = old;
		return -1;
	}
	o->generation++;
	o->resource_version = m->version;
	return 0;
}

/* RFC 3339 of a Unix time, as kubectl stamps restartedAt. */
static void rfc3339(int64_t t, char *buf, size_t cap)
{
	int64_t days = t / 86400, secs = t % 86400;
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1;
	int64_t mo = mp < 10 ? mp + 3 : mp - 9;
	if (mo <= 2)
		y++;
	snprintf(buf, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y,
	         (long long)mo, (long long)d, (long long)(secs / 3600), (long long)(secs / 60 % 60),
	         (long long)(secs % 60));
}

int mesh_rollout_restart(struct mesh *m, enum mesh_kind kind, const char *ns, const char *name,
                         struct mesh_error *err)
{
	struct mesh_object *o;
	struct mesh_workload *w;
	struct mesh_labels old_annotations, annotations;
	const char *old_hash;
	const struct node *tmpl;
	struct mesh_label *pairs;
	char hash[16], stamp[96];
	size_t n = 0;
	struct txn t;
	mesh_error_clear(err);
	if (!(o = workload_or_fail(m, kind, ns, name, "restart", err)))
		return -1;
	w = o->workload;
	old_hash = w->template_hash;
	tmpl = node_get(node_get(o->manifest, "spec"), "template");
	if (!tmpl) {
		mesh_error_set(err, NULL, 0, 0, "error: %s \"%s\" has no pod template",
		               o->kind == MESH_DEPLOYMENT ? "deployment" : "workload", name);
		return -1;
	}
	rfc3339(m->now, stamp, sizeof stamp);
	pairs = malloc((w->pod_annotations.count + 1) * sizeof *pairs);
	if (!pairs) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < w->pod_annotations.count; i++)
		if (strcmp(w->pod_annotations.items[i].key, "kubectl.kubernetes.io/restartedAt") !=
		    0)
			pairs[n++] = w->pod_annotations.items[i];
	pairs[n].key = "kubectl.kubernetes.io/restartedAt";
	pairs[n++].value = stamp;
	controller_template_hash(tmpl, (uint32_t)w->restarts + 1, hash, sizeof hash);
	if (labels_build(&o->arena, pairs, n, &annotations) != 0 ||
	    !(w->template_hash = object_strdup(o, hash))) {
		free(pairs);
		w->template_hash = old_hash;
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	free(pairs);
	/* Planned in place (the strings live in the object's arena), undone
	 * when the controller cannot make the new pods. */
	old_annotations = w->pod_annotations;
	w->pod_annotations = annotations;
	w->restarts++;
	txn_begin(&t, m, err);
	t.changed = 1;
	if (txn_touch(&t, kind, o->namespace_, o->name) != 0) {
		txn_abort(&t);
		goto undo;
	}
	if (txn_commit(&t, NULL) != 0)
		goto undo;
	o->generation++;
	o->resource_version = m->version;
	return 0;
undo:
	w->pod_annotations = old_annotations;
	w->template_hash = old_hash;
	w->restarts--;
	return -1;
}

int mesh_set_pod_ready(struct mesh *m, const char *ns, const char *name, int ready,
                       struct mesh_error *err)
{
	struct mesh_object *o;
	struct txn t;
	mesh_error_clear(err);
	if (!(o = find_or_fail(m, MESH_POD, ns, name, err)))
		return -1;
	if (o->pod->ready == !!ready)
		return 0;
	txn_begin(&t, m, err);
	if (txn_set_int(&t, &o->pod->ready, !!ready) != 0) {
		txn_abort(&t);
		return -1;
	}
	return txn_commit(&t, NULL);
}
