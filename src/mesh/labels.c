/* Label sets (sorted by key, looked up by binary search) and Kubernetes'
 * rules for label keys, label values and object names
 * (k8s.io/apimachinery/pkg/util/validation). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

static int label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mesh_label *)a)->key, ((const struct mesh_label *)b)->key);
}

int labels_build(struct arena *a, const struct mesh_label *pairs, size_t n, struct mesh_labels *out)
{
	static const struct mesh_label none[1];
	struct mesh_label *items;
	if (n == 0) {
		out->count = 0;
		out->items = none;
		return 0;
	}
	items = arena_alloc(a, n * sizeof *items);
	if (!items)
		return -1;
	for (size_t i = 0; i < n; i++) {
		items[i].key = arena_strdup(a, pairs[i].key);
		items[i].value = arena_strdup(a, pairs[i].value ? pairs[i].value : "");
		if (!items[i].key || !items[i].value)
			return -1;
	}
	qsort(items, n, sizeof *items, label_cmp);
	out->count = n;
	out->items = items;
	return 0;
}

void *labels_block_new(const struct mesh_label *pairs, size_t n, struct mesh_labels *out)
{
	size_t bytes = (n ? n : 1) * sizeof(struct mesh_label);
	struct mesh_label *items;
	char *p;
	for (size_t i = 0; i < n; i++)
		bytes += strlen(pairs[i].key) + strlen(pairs[i].value ? pairs[i].value : "") + 2;
	items = malloc(bytes);
	if (!items)
		return NULL;
	p = (char *)(items + (n ? n : 1));
	for (size_t i = 0; i < n; i++) {
		const char *v = pairs[i].value ? pairs[i].value : "";
		size_t kl = strlen(pairs[i].key) + 1, vl = strlen(v) + 1;
		memcpy(p, pairs[i].key, kl);
		items[i].key = p;
		p += kl;
		memcpy(p, v, vl);
		items[i].value = p;
		p += vl;
	}
	qsort(items, n, sizeof *items, label_cmp);
	out->count = n;
	out->items = items;
	return items;
}

const char *mesh_labels_get(const struct mesh_labels *l, const char *key)
{
	size_t lo = 0, hi = l ? l->count : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->items[mid].key, key);
		if (c == 0)
			return l->items[mid].value;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int mesh_labels_match(const struct mesh_labels *selector, const struct mesh_labels *labels)
{
	for (size_t i = 0; selector && i < selector->count; i++) {
		const char *v = mesh_labels_get(labels, selector->items[i].key);
		if (!v || strcmp(v, selector->items[i].value) != 0)
			return 0;
	}
	return 1;
}

/* ---- validation -------------------------------------------------------- */

static int is_lower_alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n). */
static int is_dns_label(const char *s, size_t n)
{
	if (n == 0 || !is_lower_alnum((unsigned char)s[0]) ||
	    !is_lower_alnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!is_lower_alnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

const char *dns_subdomain_problem(const char *s)
{
	size_t n = strlen(s);
	const char *p = s;
	if (n == 0)
		return "must not be empty";
	if (n > 253)
		return "must be no more than 253 characters";
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (!is_dns_label(p, len))
			return "a lowercase RFC 1123 subdomain must consist of lower case "
			       "alphanumeric "
			       "characters, '-' or '.', and must start and end with an "
			       "alphanumeric "
			       "character (e.g. 'example.com')";
		if (!dot)
			return NULL;
		p = dot + 1;
	}
}

const char *dns_label_problem(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return "must not be empty";
	if (n > 63)
		return "must be no more than 63 characters";
	if (!is_dns_label(s, n))
		return "a lowercase RFC 1123 label must consist of lower case alphanumeric "
		       "characters "
		       "or '-', and must start and end with an alphanumeric character (e.g. "
		       "'my-name',  or '123-abc')";
	return NULL;
}

const char *dns1035_label_problem(const char *s)
{
	size_t n = strlen(s);
	if (n == 0)
		return "must not be empty";
	if (n > 63)
		return "must be no more than 63 characters";
	if (!is_dns_label(s, n) || !(s[0] >= 'a' && s[0] <= 'z'))
		return "a DNS-1035 label must consist of lower case alphanumeric characters or "
		       "'-', "
		       "start with an alphabetic character, and end with an alphanumeric character "
		       "(e.g. 'my-name',  or 'abc-123')";
	return NULL;
}

static int is_alnum(int c)
{
	return isalnum(c) != 0 && c < 128;
}

/* ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9] */
static int is_qualified_part(const char *s, size_t n)
{
	if (n == 0 || !is_alnum((unsigned char)s[0]) || !is_alnum((unsigned char)s[n - 1]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
			return 0;
	}
	return 1;
}

const char *label_key_problem(const char *key)
{
	const char *slash = strchr(key, '/');
	const char *name = slash ? slash + 1 : key;
	if (slash) {
		static const char *const prefix_problem =
		    "prefix part a lowercase RFC 1123 subdomain must consist of lower case "
		    "alphanumeric characters, '-' or '.', and must start and end with an "
		    "alphanumeric character";
		char prefix[254];
		size_t len = (size_t)(slash - key);
		if (len == 0)
			return "prefix part must be non-empty";
		if (len > 253)
			return "prefix part must be no more than 253 characters";
		memcpy(prefix, key, len);
		prefix[len] = '\0';
		if (dns_subdomain_problem(prefix))
			return prefix_problem;
		if (strchr(name, '/'))
			return "a qualified name must consist of alphanumeric characters, '-', '_' "
			       "or "
			       "'.', and must start and end with an alphanumeric character, with "
			       "an "
			       "optional DNS subdomain prefix and '/'";
	}
	if (!name[0])
		return "name part must be non-empty";
	if (strlen(name) > 63)
		return "name part must be no more than 63 characters";
	if (!is_qualified_part(name, strlen(name)))
		return "name part must consist of alphanumeric characters, '-', '_' or '.', and "
		       "must "
		       "start and end with an alphanumeric character (e.g. 'MyName',  or "
		       "'my.name',  "
		       "or '123-abc')";
	return NULL;
}

const char *label_value_problem(const char *value)
{
	size_t n = strlen(value);
	if (n > 63)
		return "must be no more than 63 characters";
	if (n > 0 && !is_qualified_part(value, n))
		return "a valid label must be an empty string or consist of alphanumeric "
		       "characters, "
		       "'-', '_' or '.', and must start and end with an alphanumeric character "
		       "(e.g. "
		       "'MyValue',  or 'my_value',  or '12345')";
	return NULL;
}
