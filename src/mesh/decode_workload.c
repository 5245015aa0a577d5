/* Decoding of what makes pods: Deployment, StatefulSet and DaemonSet
 * (replicas, selector, pod template) and bare Pods (containers, ports,
 * service account, hostNetwork), validated as the API server does
 * (pkg/apis/apps/validation, pkg/apis/core/validation). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

static const char *const protocols[] = {"TCP", "UDP", "SCTP", NULL};

static int decode_container(struct dctx *c, const struct node *item, const char *path,
                            struct mesh_container *ct)
{
	char sub[400];
	const struct node *ports;
	const char *problem;
	if (item->type != NODE_MAP)
		return dc_fail(c, item, path, "must be a map, got %s", node_type_name(item));
	dc_path_join(sub, sizeof sub, path, ".name");
	if (dc_str(c, item, "name", sub, 1, &ct->name) != 0)
		return -1;
	if ((problem = dns_label_problem(ct->name)))
		return dc_fail(c, node_get(item, "name"), sub, "Invalid value: \"%s\": %s",
		               ct->name, problem);
	dc_path_join(sub, sizeof sub, path, ".image");
	if (dc_str(c, item, "image", sub, 1, &ct->image) != 0)
		return -1;
	dc_path_join(sub, sizeof sub, path, ".ports");
	if (dc_seq(c, item, "ports", sub, 0, &ports) != 0)
		return -1;
	ct->port_count = ports ? ports->len : 0;
	ct->ports = arena_calloc(&c->o->arena, ct->port_count + 1, sizeof *ct->ports);
	if (!ct->ports)
		return dc_fail(c, item, path, "out of memory");
	for (size_t i = 0; i < ct->port_count; i++) {
		struct mesh_container_port *p = (struct mesh_container_port *)&ct->ports[i];
		const struct node *pn = ports->items[i];
		char ppath[300];
		long long v;
		dc_pathf(ppath, sizeof ppath, "%s.ports[%zu]", path, i);
		if (pn->type != NODE_MAP)
			return dc_fail(c, pn, ppath, "must be a map, got %s", node_type_name(pn));
		dc_path_join(sub, sizeof sub, ppath, ".containerPort");
		if (dc_int(c, pn, "containerPort", sub, 1, 1, 65535, &v, NULL) != 0)
			return -1;
		p->port = (int)v;
		dc_path_join(sub, sizeof sub, ppath, ".name");
		if (dc_str(c, pn, "name", sub, 0, &p->name) != 0)
			return -1;
		if (p->name && !p->name[0])
			p->name = NULL;
		if (p->name && (problem = iana_svc_name_problem(p->name)))
			return dc_fail(c, node_get(pn, "name"), sub, "Invalid value: \"%s\": %s",
			               p->name, problem);
		dc_path_join(sub, sizeof sub, ppath, ".protocol");
		if (dc_enum(c, pn, "protocol", sub, protocols, "TCP", &p->protocol) != 0)
			return -1;
	}
	return 0;
}

/* A pod spec: containers (required, unique names and port names). */
static int decode_pod_spec(struct dctx *c, const struct node *spec, const char *path,
                           struct mesh_pod_spec *ps)
{
	char sub[160];
	const struct node *containers;
	int present;
	dc_path_join(sub, sizeof sub, path, ".containers");
	if (dc_seq(c, spec, "containers", sub, 1, &containers) != 0)
		return -1;
	if (containers->len == 0)
		return dc_fail(c, containers, sub, "Required value");
	ps->container_count = containers->len;
	ps->containers = arena_calloc(&c->o->arena, containers->len, sizeof *ps->containers);
	if (!ps->containers)
		return dc_fail(c, spec, path, "out of memory");
	for (size_t i = 0; i < containers->len; i++) {
		struct mesh_container *ct = (struct mesh_container *)&ps->containers[i];
		char cpath[200];
		dc_pathf(cpath, sizeof cpath, "%s.containers[%zu]", path, i);
		if (decode_container(c, containers->items[i], cpath, ct) != 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(ps->containers[j].name, ct->name) == 0) {
				dc_pathf(cpath, sizeof cpath, "%s.containers[%zu].name", path, i);
				return dc_fail(c, node_get(containers->items[i], "name"), cpath,
				               "Duplicate value: \"%s\"", ct->name);
			}
			for (size_t a = 0; a < ct->port_count; a++)
				for (size_t b = 0; b < ps->containers[j].port_count; b++)
					if (ct->ports[a].name && ps->containers[j].ports[b].name &&
					    strcmp(ct->ports[a].name,
					           ps->containers[j].ports[b].name) == 0) {
						dc_pathf(cpath, sizeof cpath,
						         "%s.containers[%zu].ports[%zu].name", path,
						         i, a);
						return dc_fail(c, containers->items[i], cpath,
						               "Duplicate value: \"%s\"",
						               ct->ports[a].name);
					}
		}
	}
	dc_path_join(sub, sizeof sub, path, ".serviceAccountName");
	if (dc_str(c, spec, "serviceAccountName", sub, 0, &ps->service_account) != 0)
		return -1;
	if (!ps->service_account || !ps->service_account[0]) {
		dc_path_join(sub, sizeof sub, path, ".serviceAccount");
		if (dc_str(c, spec, "serviceAccount", sub, 0, &ps->service_account) != 0)
			return -1;
	}
	if (!ps->service_account || !ps->service_account[0])
		ps->service_account = "default";
	dc_path_join(sub, sizeof sub, path, ".hostNetwork");
	return dc_bool(c, spec, "hostNetwork", sub, &ps->host_network, &present);
}

int decode_pod(struct dctx *c, const struct node *spec)
{
	struct mesh_pod *pod = arena_calloc(&c->o->arena, 1, sizeof *pod);
	if (!pod)
		return dc_fail(c, spec, "", "out of memory");
	c->o->pod = pod;
	if (!spec)
		return dc_fail(c, NULL, "spec", "Required value");
	pod->ready = 1;
	return decode_pod_spec(c, spec, "spec", &pod->spec);
}

static const char *const selector_ops[] = {"In", "NotIn", "Exists", "DoesNotExist", NULL};

/* spec.selector: matchLabels and matchExpressions as one mesh_selector. */
static int decode_selector(struct dctx *c, const struct node *spec, struct mesh_workload *w)
{
	const struct node *sel, *labels, *exprs;
	struct mesh_labels ml;
	struct mesh_selector *s = arena_calloc(&c->o->arena, 1, sizeof *s);
	struct mesh_requirement *reqs;
	size_t n = 0;
	if (!s)
		return dc_fail(c, spec, "spec.selector", "out of memory");
	arena_init(&s->arena, 64); /* unused: the strings live in the object */
	w->selector = s;
	if (dc_map(c, spec, "selector", "spec.selector", 1, &sel) != 0 ||
	    dc_map(c, sel, "matchLabels", "spec.selector.matchLabels", 0, &labels) != 0 ||
	    dc_string_map(c, labels, "spec.selector.matchLabels", 1, &ml) != 0 ||
	    dc_seq(c, sel, "matchExpressions", "spec.selector.matchExpressions", 0, &exprs) != 0)
		return -1;
	reqs = arena_calloc(&c->o->arena, ml.count + (exprs ? exprs->len : 0) + 1, sizeof *reqs);
	if (!reqs)
		return dc_fail(c, sel, "spec.selector", "out of memory");
	for (size_t i = 0; i < ml.count; i++) {
		reqs[n].key = ml.items[i].key;
		reqs[n].op = MESH_SEL_EQ;
		reqs[n].value_count = 1;
		reqs[n++].values = &ml.items[i].value;
	}
	for (size_t i = 0; exprs && i < exprs->len; i++) {
		const struct node *e = exprs->items[i], *values;
		const char *op, *problem;
		char path[120];
		dc_pathf(path, sizeof path, "spec.selector.matchExpressions[%zu]", i);
		if (e->type != NODE_MAP)
			return dc_fail(c, e, path, "must be a map, got %s", node_type_name(e));
		if (dc_str(c, e, "key", path, 1, &reqs[n].key) != 0 ||
		    dc_enum(c, e, "operator", path, selector_ops, NULL, &op) != 0 ||
		    dc_seq(c, e, "values", path, 0, &values) != 0)
			return -1;
		if ((problem = label_key_problem(reqs[n].key)))
			return dc_fail(c, node_get(e, "key"), path, "Invalid value: \"%s\": %s",
			               reqs[n].key, problem);
		if (!op)
			return dc_fail(c, e, path, "operator: Required value");
		reqs[n].op = strcmp(op, "In") == 0       ? MESH_SEL_IN
		             : strcmp(op, "NotIn") == 0  ? MESH_SEL_NOTIN
		             : strcmp(op, "Exists") == 0 ? MESH_SEL_EXISTS
		                                         : MESH_SEL_NOT_EXISTS;
		if ((reqs[n].op == MESH_SEL_IN || reqs[n].op == MESH_SEL_NOTIN) !=
		    (values && values->len > 0))
			return dc_fail(c, e, path, "values: %s",
			               values && values->len
			                   ? "Forbidden: may not be specified when "
			                     "`operator` is 'Exists' or 'DoesNotExist'"
			                   : "Required value: must be specified when "
			                     "`operator` is 'In' or 'NotIn'");
		if (values && values->len) {
			const char **vals = arena_calloc(&c->o->arena, values->len, sizeof *vals);
			if (!vals)
				return dc_fail(c, e, path, "out of memory");
			for (size_t j = 0; j < values->len; j++) {
				if (!node_is_str(values->items[j]))
					return dc_fail(c, values->items[j], path,
					               "values: must be strings");
				vals[j] = values->items[j]->str;
			}
			reqs[n].values = vals;
			reqs[n].value_count = values->len;
		}
		n++;
	}
	if (n == 0)
		return dc_fail(c, sel, "spec.selector",
		               "Invalid value: empty selector is invalid for %s", c->kind);
	s->items = reqs;
	s->count = n;
	return 0;
}

int decode_workload(struct dctx *c, const struct node *spec)
{
	struct mesh_workload *w = arena_calloc(&c->o->arena, 1, sizeof *w);
	const struct node *tmpl, *tmeta, *tspec;
	long long replicas = 1;
	char hash[16];
	if (!w)
		return dc_fail(c, spec, "", "out of memory");
	c->o->workload = w;
	if (!spec)
		return dc_fail(c, NULL, "spec", "Required value");
	if (c->o->kind != MESH_DAEMONSET &&
	    dc_int(c, spec, "replicas", "spec.replicas", 0, 0, 100000, &replicas, NULL) != 0)
		return -1;
	w->replicas = (int)replicas;
	if (decode_selector(c, spec, w) != 0)
		return -1;
	if (dc_map(c, spec, "template", "spec.template", 1, &tmpl) != 0 ||
	    dc_map(c, tmpl, "metadata", "spec.template.metadata", 0, &tmeta) != 0 ||
	    dc_string_map(c, dc_get(tmeta, "labels"), "spec.template.metadata.labels", 1,
	                  &w->pod_labels) != 0 ||
	    dc_string_map(c, dc_get(tmeta, "annotations"), "spec.template.metadata.annotations", 0,
	                  &w->pod_annotations) != 0)
		return -1;
	if (!mesh_selector_matches(w->selector, &w->pod_labels))
		return dc_fail(c, tmeta ? node_get(tmeta, "labels") : tmpl,
		               "spec.template.metadata.labels",
		               "Invalid value: `selector` does not match template `labels`");
	if (dc_map(c, tmpl, "spec", "spec.template.spec", 1, &tspec) != 0 ||
	    decode_pod_spec(c, tspec, "spec.template.spec", &w->pod) != 0)
		return -1;
	controller_template_hash(tmpl, 0, hash, sizeof hash);
	w->template_hash = object_strdup(c->o, hash);
	if (!w->template_hash)
		return dc_fail(c, tmpl, "", "out of memory");
	return 0;
}
