/* The kinds the mesh store knows, with the names kubectl accepts for them
 * (kind, plural, singular, short names, with or without the group). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "meshlua/mesh.h"

static const struct mesh_kind_info kinds[MESH_KIND_COUNT] = {
    [MESH_NAMESPACE] = {"Namespace", "", {"v1"}, "namespaces", "namespace", {"ns"}, 0},
    [MESH_SERVICEACCOUNT] =
        {"ServiceAccount", "", {"v1"}, "serviceaccounts", "serviceaccount", {"sa"}, 1},
    [MESH_SERVICE] = {"Service", "", {"v1"}, "services", "service", {"svc"}, 1},
    [MESH_DEPLOYMENT] = {"Deployment", "apps", {"v1"}, "deployments", "deployment", {"deploy"}, 1},
    [MESH_STATEFULSET] = {"StatefulSet", "apps", {"v1"}, "statefulsets", "statefulset", {"sts"}, 1},
    [MESH_DAEMONSET] = {"DaemonSet", "apps", {"v1"}, "daemonsets", "daemonset", {"ds"}, 1},
    [MESH_POD] = {"Pod", "", {"v1"}, "pods", "pod", {"po"}, 1},
    [MESH_VIRTUALSERVICE] = {"VirtualService",
                             "networking.istio.io",
                             {"v1", "v1beta1", "v1alpha3"},
                             "virtualservices",
                             "virtualservice",
                             {"vs"},
                             1},
    [MESH_DESTINATIONRULE] = {"DestinationRule",
                              "networking.istio.io",
                              {"v1", "v1beta1", "v1alpha3"},
                              "destinationrules",
                              "destinationrule",
                              {"dr"},
                              1},
    [MESH_GATEWAY] = {"Gateway",
                      "networking.istio.io",
                      {"v1", "v1beta1", "v1alpha3"},
                      "gateways",
                      "gateway",
                      {"gw"},
                      1},
    [MESH_SERVICEENTRY] = {"ServiceEntry",
                           "networking.istio.io",
                           {"v1", "v1beta1", "v1alpha3"},
                           "serviceentries",
                           "serviceentry",
                           {"se"},
                           1},
    [MESH_SIDECAR] = {"Sidecar",
                      "networking.istio.io",
                      {"v1", "v1beta1", "v1alpha3"},
                      "sidecars",
                      "sidecar",
                      {NULL},
                      1},
    [MESH_PEERAUTHENTICATION] = {"PeerAuthentication",
                                 "security.istio.io",
                                 {"v1", "v1beta1"},
                                 "peerauthentications",
                                 "peerauthentication",
                                 {"pa"},
                                 1},
};

const struct mesh_kind_info *mesh_kind_info(enum mesh_kind kind)
{
	return &kinds[kind];
}

/* name matches word, or word "." group. */
static int matches(const char *name, const char *word, const char *group)
{
	size_t len = strlen(word);
	if (!word[0])
		return 0;
	if (strcasecmp(name, word) == 0)
		return 1;
	return group[0] && strncasecmp(name, word, len) == 0 && name[len] == '.' &&
	       strcasecmp(name + len + 1, group) == 0;
}

int mesh_kind_lookup(const char *name, enum mesh_kind *kind)
{
	for (int k = 0; k < MESH_KIND_COUNT; k++) {
		const struct mesh_kind_info *i = &kinds[k];
		int found = matches(name, i->kind, i->group) ||
		            matches(name, i->plural, i->group) ||
		            matches(name, i->singular, i->group);
		for (int s = 0; !found && s < 3 && i->short_names[s]; s++)
			found = matches(name, i->short_names[s], i->group);
		if (found) {
			*kind = (enum mesh_kind)k;
			return 0;
		}
	}
	return -1;
}

const char *mesh_kind_resource_name(enum mesh_kind kind)
{
	static char names[MESH_KIND_COUNT][64];
	const struct mesh_kind_info *i = &kinds[kind];
	if (!names[kind][0])
		snprintf(names[kind], sizeof names[kind], "%s%s%s", i->singular,
		         i->group[0] ? "." : "", i->group);
	return names[kind];
}

const char *mesh_kind_plural_group(enum mesh_kind kind)
{
	static char names[MESH_KIND_COUNT][64];
	const struct mesh_kind_info *i = &kinds[kind];
	if (!names[kind][0])
		snprintf(names[kind], sizeof names[kind], "%s%s%s", i->plural,
		         i->group[0] ? "." : "", i->group);
	return names[kind];
}
