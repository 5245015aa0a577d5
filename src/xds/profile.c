/* The Istio release lines meshlua reproduces (see include/meshlua/profile.h).
 * seed: the release line of the walkthrough this project starts from
 * (Istio 1.10); current: the newest rules in ../shared/reference/istio.md. */
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
    .listener_address_header = "ADDRESS",
    .domains_trailing_dot_view = 0,
    .route_vhost_name_view = 0,
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
    .listener_address_header = "ADDRESSES",
    .domains_trailing_dot_view = 1,
    .route_vhost_name_view = 1,
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
