/* The kinds the mesh store knows, with the names kubectl accepts for them
 * (kind, plural, singular, short names, with or without the group) and the
 * API versions the API server serves them at. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "meshlua/mesh.h"

#define ISTIO_NET "networking.istio.io"
#define ISTIO_SEC "security.istio.io"

static const struct mesh_kind_info kinds[MESH_KIND_COUNT] = {
    [MESH_NAMESPACE] =
        {"Namespace", "", {"v1"}, "namespaces", "namespace", {"ns"}, "namespace", "namespaces", 0},
    [MESH_SERVICEACCOUNT] = {"ServiceAccount",
                             "",
                             {"v1"},
                             "serviceaccounts",
                             "serviceaccount",
                             {"sa"},
                             "serviceaccount",
                             "serviceaccounts",
                             1},
    [MESH_SERVICE] =
        {"Service", "", {"v1"}, "services", "service", {"svc"}, "service", "services", 1},
    [MESH_DEPLOYMENT] = {"Deployment",
                         "apps",
                         {"v1"},
                         "deployments",
                         "deployment",
                         {"deploy"},
                         "deployment.apps",
                         "deployments.apps",
                         1},
    [MESH_STATEFULSET] = {"StatefulSet",
                          "apps",
                          {"v1"},
                          "statefulsets",
                          "statefulset",
                          {"sts"},
                          "statefulset.apps",
                          "statefulsets.apps",
                          1},
    [MESH_DAEMONSET] = {"DaemonSet",
                        "apps",
                        {"v1"},
                        "daemonsets",
                        "daemonset",
                        {"ds"},
                        "daemonset.apps",
                        "daemonsets.apps",
                        1},
    [MESH_POD] = {"Pod", "", {"v1"}, "pods", "pod", {"po"}, "pod", "pods", 1},
    [MESH_VIRTUALSERVICE] = {"VirtualService",
                             ISTIO_NET,
                             {"v1", "v1beta1", "v1alpha3"},
                             "virtualservices",
                             "virtualservice",
                             {"vs"},
                             "virtualservice." ISTIO_NET,
                             "virtualservices." ISTIO_NET,
                             1},
    [MESH_DESTINATIONRULE] = {"DestinationRule",
                              ISTIO_NET,
                              {"v1", "v1beta1", "v1alpha3"},
                              "destinationrules",
                              "destinationrule",
                              {"dr"},
                              "destinationrule." ISTIO_NET,
                              "destinationrules." ISTIO_NET,
                              1},
    [MESH_GATEWAY] = {"Gateway",
                      ISTIO_NET,
                      {"v1", "v1beta1", "v1alpha3"},
                      "gateways",
                      "gateway",
                      {"gw"},
                      "gateway." ISTIO_NET,
                      "gateways." ISTIO_NET,
                      1},
    [MESH_SERVICEENTRY] = {"ServiceEntry",
                           ISTIO_NET,
                           {"v1", "v1beta1", "v1alpha3"},
                           "serviceentries",
                           "serviceentry",
                           {"se"},
                           "serviceentry." ISTIO_NET,
                           "serviceentries." ISTIO_NET,
                           1},
    [MESH_SIDECAR] = {"Sidecar",
                      ISTIO_NET,
                      {"v1", "v1beta1", "v1alpha3"},
                      "sidecars",
                      "sidecar",
                      {NULL},
                      "sidecar." ISTIO_NET,
                      "sidecars." ISTIO_NET,
                      1},
    [MESH_PEERAUTHENTICATION] = {"PeerAuthentication",
                                 ISTIO_SEC,
                                 {"v1", "v1beta1"},
                                 "peerauthentications",
                                 "peerauthentication",
                                 {"pa"},
                                 "peerauthentication." ISTIO_SEC,
                                 "peerauthentications." ISTIO_SEC,
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

int mesh_kind_from_manifest(const char *api_version, const char *kind, enum mesh_kind *out)
{
	const char *slash = strchr(api_version, '/');
	size_t group_len = slash ? (size_t)(slash - api_version) : 0;
	const char *version = slash ? slash + 1 : api_version;
	for (int k = 0; k < MESH_KIND_COUNT; k++) {
		const struct mesh_kind_info *i = &kinds[k];
		/* Kinds are case-sensitive for the API server. */
		if (strcmp(i->kind, kind) != 0 || strlen(i->group) != group_len ||
		    strncmp(i->group, api_version, group_len) != 0)
			continue;
		for (int v = 0; v < 4 && i->versions[v]; v++) {
			if (strcmp(i->versions[v], version) == 0) {
				*out = (enum mesh_kind)k;
				return 0;
			}
		}
	}
	return -1;
}
