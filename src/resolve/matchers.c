/* Envoy's value matchers, compiled once and evaluated without allocating:
 * StringMatcher (type/matcher/v3), HeaderMatcher (config/route/v3, the
 * semantics of Http::HeaderUtility, reference/envoy.md section 3) and
 * QueryParameterMatcher. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resolve_int.h"

static int has_prefix(const char *v, size_t len, const char *p, size_t plen, int icase)
{
	if (plen > len)
		return 0;
	return icase ? rs_ieq(v, plen, p, plen) : memcmp(v, p, plen) == 0;
}

static int has_suffix(const char *v, size_t len, const char *p, size_t plen, int icase)
{
	if (plen > len)
		return 0;
	return icase ? rs_ieq(v + len - plen, plen, p, plen) : memcmp(v + len - plen, p, plen) == 0;
}

static int contains(const char *v, size_t len, const char *p, size_t plen, int icase)
{
	if (plen == 0)
		return 1;
	for (size_t i = 0; i + plen <= len; i++)
		if (icase ? rs_ieq(v + i, plen, p, plen) : memcmp(v + i, p, plen) == 0)
			return 1;
	return 0;
}

/* The regex text of a RegexMatcher ({regex: ..., google_re2: {}}). */
static const char *regex_of(struct rs_build *b, const struct node *re)
{
	const char *text = rs_text(re, "regex");
	if (!text)
		rs_fail(b, re, "a safe_regex needs a regex");
	return text;
}

int rs_strmatch_compile(struct rs_build *b, const struct node *n, struct rs_strmatch *out,
                        const char **expected_text)
{
	static const struct {
		const char *field;
		enum rs_sm_kind kind;
	} kinds[] = {{"exact", SM_EXACT},
	             {"prefix", SM_PREFIX},
	             {"suffix", SM_SUFFIX},
	             {"contains", SM_CONTAINS},
	             {"safe_regex", SM_REGEX}};
	memset(out, 0, sizeof *out);
	if (!n || n->type != NODE_MAP)
		return rs_fail(b, n, "a string matcher must be a map, got %s", node_type_name(n));
	out->ignore_case = rs_bool(n, "ignore_case", 0);
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		const struct node *v = node_field(n, kinds[i].field);
		if (!v)
			continue;
		out->kind = kinds[i].kind;
		if (out->kind == SM_REGEX) {
			const char *text = regex_of(b, v);
			if (!text || !(out->re = rs_regex_compile(b, v, text)))
				return -1;
			out->value = text;
		} else {
			out->value = node_text(v) ? node_text(v) : "";
		}
		out->len = strlen(out->value);
		if (expected_text)
			*expected_text = out->value;
		return 0;
	}
	return rs_fail(b, n,
	               "a string matcher needs one of exact, prefix, suffix, contains or "
	               "safe_regex");
}

int rs_strmatch_eval(const struct rs_strmatch *m, const char *v, size_t len, struct rs_scratch *s)
{
	switch (m->kind) {
	case SM_EXACT:
		return m->ignore_case ? rs_ieq(v, len, m->value, m->len)
		                      : len == m->len && memcmp(v, m->value, len) == 0;
	case SM_PREFIX:
		return has_prefix(v, len, m->value, m->len, m->ignore_case);
	case SM_SUFFIX:
		return has_suffix(v, len, m->value, m->len, m->ignore_case);
	case SM_CONTAINS:
		return contains(v, len, m->value, m->len, m->ignore_case);
	case SM_REGEX:
		return rs_regex_full(m->re, v, len, s->md);
	}
	return 0;
}

static int parse_int64(const struct node *n, int64_t *out)
{
	char *end;
	long long v;
	if (!n)
		return -1;
	if (n->type != NODE_SCALAR)
		return -1;
	errno = 0;
	v = strtoll(n->str, &end, 10);
	if (errno || *end || end == n->str)
		return -1;
	*out = v;
	return 0;
}

int rs_header_matcher_compile(struct rs_build *b, const struct node *n,
                              struct rs_header_matcher *out)
{
	const char *name = rs_text(n, "name");
	const struct node *v;
	memset(out, 0, sizeof *out);
	if (!name || !*name)
		return rs_fail(b, n, "a header matcher needs a name");
	if (!(out->name = rs_lower_dup(b->arena, name, strlen(name))))
		return rs_fail(b, n, "out of memory");
	out->invert = rs_bool(n, "invert_match", 0);
	out->missing_as_empty = rs_bool(n, "treat_missing_header_as_empty", 0);
	out->kind = HM_PRESENT_ONLY;
	out->present = 1;
	out->kind_name = "present_match";
	out->expected = "";
	if ((v = node_field(n, "exact_match"))) {
		out->kind = HM_EXACT;
		out->kind_name = "exact_match";
		out->sm.kind = SM_EXACT;
		out->sm.value = node_text(v) ? node_text(v) : "";
		out->sm.len = strlen(out->sm.value);
		out->expected = out->sm.value;
	} else if ((v = node_field(n, "safe_regex_match"))) {
		const char *text = regex_of(b, v);
		out->kind = HM_REGEX;
		out->kind_name = "safe_regex_match";
		out->sm.kind = SM_REGEX;
		if (!text || !(out->sm.re = rs_regex_compile(b, v, text)))
			return -1;
		out->sm.value = out->expected = text;
	} else if ((v = node_field(n, "range_match"))) {
		out->kind = HM_RANGE;
		out->kind_name = "range_match";
		if (parse_int64(node_field(v, "start"), &out->range_start) < 0 ||
		    parse_int64(node_field(v, "end"), &out->range_end) < 0)
			return rs_fail(b, v, "a range_match needs integer start and end");
		out->expected = "";
	} else if ((v = node_field(n, "present_match"))) {
		out->kind = HM_PRESENT;
		out->present = rs_bool(n, "present_match", 0);
	} else if ((v = node_field(n, "prefix_match")) || (v = node_field(n, "suffix_match")) ||
	           (v = node_field(n, "contains_match"))) {
		int is_prefix = node_field(n, "prefix_match") == v;
		int is_suffix = !is_prefix && node_field(n, "suffix_match") == v;
		out->kind = is_prefix ? HM_PREFIX : is_suffix ? HM_SUFFIX : HM_CONTAINS;
		out->kind_name = is_prefix   ? "prefix_match"
		                 : is_suffix ? "suffix_match"
		                             : "contains_match";
		out->sm.kind = is_prefix ? SM_PREFIX : is_suffix ? SM_SUFFIX : SM_CONTAINS;
		out->sm.value = node_text(v) ? node_text(v) : "";
		out->sm.len = strlen(out->sm.value);
		out->expected = out->sm.value;
	} else if ((v = node_field(n, "string_match"))) {
		static const char *const names[] = {
		    [SM_EXACT] = "string_match.exact",      [SM_PREFIX] = "string_match.prefix",
		    [SM_SUFFIX] = "string_match.suffix",    [SM_CONTAINS] = "string_match.contains",
		    [SM_REGEX] = "string_match.safe_regex",
		};
		out->kind = HM_STRING;
		if (rs_strmatch_compile(b, v, &out->sm, &out->expected) < 0)
			return -1;
		out->kind_name = names[out->sm.kind];
	}
	return 0;
}

int rs_header_matchers_compile(struct rs_build *b, const struct node *list,
                               struct rs_header_matcher **out, size_t *count)
{
	*out = NULL;
	*count = 0;
	if (!list)
		return 0;
	if (list->type != NODE_SEQ)
		return rs_fail(b, list, "headers must be a list, got %s", node_type_name(list));
	if (!(*out = arena_calloc(b->arena, list->len ? list->len : 1, sizeof **out)))
		return rs_fail(b, list, "out of memory");
	for (size_t i = 0; i < list->len; i++)
		if (rs_header_matcher_compile(b, list->items[i], &(*out)[i]) < 0)
			return -1;
	*count = list->len;
	return 0;
}

static int in_range(const struct rs_header_matcher *m, const char *v, size_t len)
{
	char buf[32], *end;
	long long x;
	while (len && isspace((unsigned char)*v))
		v++, len--;
	while (len && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0 || len >= sizeof buf)
		return 0;
	memcpy(buf, v, len);
	buf[len] = '\0';
	errno = 0;
	x = strtoll(buf, &end, 10);
	if (errno || *end)
		return 0;
	return x >= m->range_start && x < m->range_end;
}

int rs_header_matcher_eval(const struct rs_header_matcher *m, const struct rs_hview *h,
                           struct rs_scratch *s, const char **why, const char **actual,
                           size_t *actual_len)
{
	const char *v = NULL;
	size_t len = 0;
	int present = rs_hview_get(h, s, m->name, &v, &len), ok;
	if (actual) {
		*actual = present ? v : NULL;
		*actual_len = present ? len : 0;
	}
	if (m->kind == HM_PRESENT || m->kind == HM_PRESENT_ONLY) {
		ok = (m->present == present) != m->invert;
		if (!ok && why)
			*why = present ? "header_present" : "header_missing";
		return ok;
	}
	if (!present) {
		/* Envoy: a missing header fails every value matcher, inverted or
		 * not, unless it is treated as empty (reference rule 5). */
		if (!m->missing_as_empty) {
			if (why)
				*why = "header_missing";
			return 0;
		}
		v = "";
		len = 0;
	}
	switch (m->kind) {
	case HM_EXACT:
		ok = m->sm.len == 0 || (len == m->sm.len && memcmp(v, m->sm.value, len) == 0);
		break;
	case HM_RANGE:
		ok = in_range(m, v, len);
		break;
	default:
		ok = rs_strmatch_eval(&m->sm, v, len, s);
		break;
	}
	ok = ok != m->invert;
	if (!ok && why)
		*why = "header_value";
	return ok;
}

int rs_query_matcher_compile(struct rs_build *b, const struct node *n, struct rs_query_matcher *out)
{
	const char *name = rs_text(n, "name");
	const struct node *sm = node_field(n, "string_match");
	memset(out, 0, sizeof *out);
	out->present = -1;
	out->expected = "";
	if (!name || !*name)
		return rs_fail(b, n, "a query parameter matcher needs a name");
	out->name = name;
	if (sm) {
		out->has_sm = 1;
		return rs_strmatch_compile(b, sm, &out->sm, &out->expected);
	}
	if (node_field(n, "present_match"))
		out->present = rs_bool(n, "present_match", 0);
	return 0;
}
