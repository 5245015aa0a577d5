/* The Istio release lines meshlua reproduces (see include/meshlua/profile.h).
 * seed: the release line of the walkthrough this project starts from. The
 * project names it 1.10.3 (what `istioctl version` and the injected proxy
 * image print), but the walkthrough's outputs follow the 1.8/1.9 code, and
 * so do its rules here: the route domains include the "name.ns.svc.cluster"
 * variants (generateAltVirtualHosts walked every shared suffix until 1.10
 * rewrote it) and the default route carries max_stream_duration {0s} (1.8
 * and 1.9; 1.10 went back to max_grpc_timeout). current: the newest rules
 * in ../shared/reference/istio.md (istio/istio master, 2026). */
#include <stddef.h>
#include <string.h>

#include "meshlua/profile.h"

static const char *const alpn_seed[] = {"http/1.0", "http/1.1", "h2c", NULL};
static const char *const alpn_current[] = {"http/1.1", "h2c", NULL};

static const struct istio_profile seed = {
    .name = "seed",
    .istio_version = "1.10.3",
    .envoy_version = "1.18.4",
    .domains_with_port = 1,
    .domains_all_suffixes = 1,
    .fqdn_trailing_dot = 0,
    .retry_on_503 = 1,
    .http_alpn = alpn_seed,
    .http_chain_raw_buffer = 1,
    .inbound_passthrough_v4 = 1,
    .route_max_stream_duration = 1,
    .sniffed_route_keeps_domains = 1,
    .rds_fetch_timeout = 0,
    .route_ignore_port = 0,
    .route_max_direct_body = 0,
    .inbound_route_retries = 0,
    .legacy_route_api = 1,
    .config_api = "v1alpha3",
    .external_name_alias = 0,
    .headless_skip_self = 0,
    .send_unhealthy_endpoints = 0,
    .gateway_domain_port = 1,
    .default_lb_least_request = 0,
    .cluster_extras = 0,
    .cluster_legacy_protocol = 1,
    .inbound_cluster_static = 1,
    .listener_address_header = "ADDRESS",
    .domains_trailing_dot_view = 0,
    .route_vhost_name_view = 0,
    .listener_more_addresses_view = 0,
    .match_path_separated_view = 0,
    .management_prefix = "/apis/networking.istio.io/v1alpha3/namespaces/",
    .go_sort = 2, /* istioctl 1.10 was built with Go 1.16 */
};

static const struct istio_profile current = {
    .name = "current",
    .istio_version = "1.28.0",
    .envoy_version = "1.36.0",
    .domains_with_port = 0,
    .domains_all_suffixes = 0,
    .fqdn_trailing_dot = 1,
    .retry_on_503 = 0,
    .http_alpn = alpn_current,
    .http_chain_raw_buffer = 1,
    .inbound_passthrough_v4 = 0,
    .route_max_stream_duration = 0,
    .sniffed_route_keeps_domains = 0,
    .rds_fetch_timeout = 1,
    .route_ignore_port = 1,
    .route_max_direct_body = 1,
    .inbound_route_retries = 1,
    .legacy_route_api = 0,
    .config_api = "v1",
    .external_name_alias = 1,
    .headless_skip_self = 1,
    .send_unhealthy_endpoints = 1,
    .gateway_domain_port = 0,
    .default_lb_least_request = 1,
    .cluster_extras = 1,
    .cluster_legacy_protocol = 0,
    .inbound_cluster_static = 0,
    .listener_address_header = "ADDRESSES",
    .domains_trailing_dot_view = 1,
    .route_vhost_name_view = 1,
    .listener_more_addresses_view = 1,
    .match_path_separated_view = 1,
    .management_prefix = "/apis/networking.istio.io/",
    .go_sort = 0,
};

static const struct istio_profile *const all[] = {&seed, &current, NULL};

const struct istio_profile *istio_profile_find(const char *name)
{
	for (size_t i = 0; all[i]; i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

const struct istio_profile *istio_profile_default(void)
{
	return &current;
}

const struct istio_profile *const *istio_profile_all(void)
{
	return all;
}
