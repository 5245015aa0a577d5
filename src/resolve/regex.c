/* Envoy's safe_regex (RE2) over PCRE2: patterns are compiled once, at index
 * or table build time, for full matching (RE2::FullMatch) or for global
 * replacement (RE2::GlobalReplace with \1-style substitutions). Constructs
 * RE2 rejects (backreferences, lookaround, atomic groups, possessive
 * quantifiers) are rejected here too, so a configuration Envoy would NACK
 * is reported at load. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "meshlua/strbuf.h"
#include "resolve_int.h"

/* The RE2 feature a pattern uses that RE2 lacks, or NULL. */
static const char *re2_unsupported(const char *p)
{
	int in_class = 0;
	for (; *p; p++) {
		if (*p == '\\') {
			if (!p[1])
				return NULL;
			if (!in_class && p[1] >= '1' && p[1] <= '9')
				return "backreferences";
			if (!in_class && (p[1] == 'g' || p[1] == 'k'))
				return "backreferences";
			p++;
			continue;
		}
		if (in_class) {
			if (*p == ']')
				in_class = 0;
			continue;
		}
		if (*p == '[') {
			in_class = 1;
			if (p[1] == '^')
				p++;
			if (p[1] == ']')
				p++;
			continue;
		}
		if (p[0] == '(' && p[1] == '?') {
			if (p[2] == '=' || p[2] == '!')
				return "lookahead";
			if (p[2] == '<' && (p[3] == '=' || p[3] == '!'))
				return "lookbehind";
			if (p[2] == '>')
				return "atomic groups";
		}
		if ((p[0] == '+' || p[0] == '*' || p[0] == '?' || p[0] == '}') && p[1] == '+')
			return "possessive quantifiers";
	}
	return NULL;
}

static struct rs_regex *compile(struct rs_build *b, const struct node *n, const char *pattern,
                                uint32_t options)
{
	int code;
	PCRE2_SIZE offset;
	pcre2_code *re;
	struct rs_regex *r;
	const char *unsupported = re2_unsupported(pattern);
	if (unsupported) {
		rs_fail(b, n, "invalid regex \"%s\": RE2 does not support %s", pattern,
		        unsupported);
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                   options | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(code, msg, sizeof msg);
		rs_fail(b, n, "invalid regex \"%s\": %s at offset %zu", pattern, (char *)msg,
		        (size_t)offset);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	r = arena_alloc(b->arena, sizeof *r);
	if (!r || !(r->pattern = arena_strdup(b->arena, pattern))) {
		pcre2_code_free(re);
		rs_fail(b, n, "out of memory");
		return NULL;
	}
	r->code = re;
	r->next = *b->regexes;
	*b->regexes = r;
	return r;
}

struct rs_regex *rs_regex_compile(struct rs_build *b, const struct node *n, const char *pattern)
{
	return compile(b, n, pattern, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
}

struct rs_regex *rs_regex_compile_search(struct rs_build *b, const struct node *n,
                                         const char *pattern)
{
	return compile(b, n, pattern, 0);
}

int rs_regex_full(const struct rs_regex *re, const char *s, size_t len, pcre2_match_data *md)
{
	return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, md, NULL) >= 0;
}

/* Appends subst with \0..\9 replaced by the groups of the match in ov. */
static int expand(struct strbuf *out, const char *s, const char *subst, const PCRE2_SIZE *ov,
                  int groups)
{
	for (const char *p = subst; *p; p++) {
		if (*p == '\\' && p[1] >= '0' && p[1] <= '9') {
			int g = p[1] - '0';
			p++;
			if (g < groups && ov[2 * g] != PCRE2_UNSET &&
			    strbuf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]) < 0)
				return -1;
		} else if (*p == '\\' && p[1] == '\\') {
			p++;
			if (strbuf_putc(out, '\\') < 0)
				return -1;
		} else if (strbuf_putc(out, *p) < 0) {
			return -1;
		}
	}
	return 0;
}

int rs_regex_replace_all(const struct rs_regex *re, const char *s, size_t len, const char *subst,
                         struct arena *a, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
	size_t pos = 0, copied = 0;
	int rc = -1;
	if (!md)
		return -1;
	while (pos <= len) {
		int groups = pcre2_match(re->code, (PCRE2_SPTR)s, len, pos, 0, md, NULL);
		PCRE2_SIZE *ov;
		if (groups < 0)
			break;
		ov = pcre2_get_ovector_pointer(md);
		if (strbuf_append(&sb, s + copied, ov[0] - copied) < 0 ||
		    expand(&sb, s, subst, ov, groups) < 0)
			goto done;
		copied = ov[1];
		if (ov[1] == ov[0]) {
			/* An empty match: RE2 copies one character and moves on. */
			if (ov[1] >= len)
				break;
			if (strbuf_putc(&sb, s[ov[1]]) < 0)
				goto done;
			copied = ov[1] + 1;
			pos = copied;
		} else {
			pos = ov[1];
		}
	}
	if (copied < len && strbuf_append(&sb, s + copied, len - copied) < 0)
		goto done;
	*out = arena_strndup(a, strbuf_cstr(&sb), sb.len);
	rc = *out ? 0 : -1;
done:
	strbuf_free(&sb);
	pcre2_match_data_free(md);
	return rc;
}

void rs_regex_free_all(struct rs_regex *list)
{
	for (; list; list = list->next)
		pcre2_code_free(list->code);
}

pcre2_match_data *rs_match_data_new(void)
{
	return pcre2_match_data_create(1, NULL);
}

void rs_match_data_free(pcre2_match_data *md)
{
	pcre2_match_data_free(md);
}
