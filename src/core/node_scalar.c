/* YAML 1.1 scalar resolution, as go-yaml v2 (and so kubectl) applies it to
 * plain scalars: `yes`, `on`, `y` are booleans, `0x1F` and `0777` integers,
 * `1e3` and `.5` floats, `~` and `null` nulls; everything else a string. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "node_scalar.h"

static const char *const true_words[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
                                         "True", "TRUE", "on",  "On",  "ON",  NULL};
static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};

static int in_list(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

int scalar_bool_value(const char *s)
{
	return in_list(s, true_words);
}

/* Copies s without '_' into buf (cap bytes); 0, or -1 when too long. */
static int strip_underscores(const char *s, char *buf, size_t cap)
{
	size_t n = 0;
	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= cap)
			return -1;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return 0;
}

static int all_digits(const char *s, int base)
{
	if (!*s)
		return 0;
	for (; *s; s++) {
		int c = (unsigned char)*s;
		int ok = base == 16  ? isxdigit(c)
		         : base == 2 ? (c == '0' || c == '1')
		         : base == 8 ? (c >= '0' && c <= '7')
		                     : isdigit(c);
		if (!ok)
			return 0;
	}
	return 1;
}

int scalar_parse_int(const char *s, long long *out)
{
	char buf[80], *digits = buf, *end;
	int negative = 0, base = 10;
	unsigned long long v;
	if (strip_underscores(s, buf, sizeof buf) != 0)
		return -1;
	if (*digits == '+' || *digits == '-')
		negative = *digits++ == '-';
	if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
		base = 16, digits += 2;
	else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
		base = 2, digits += 2;
	else if (digits[0] == '0' && digits[1] == 'o')
		base = 8, digits += 2;
	else if (digits[0] == '0' && digits[1] != '\0')
		base = 8, digits += 1;
	if (!all_digits(digits, base))
		return -1;
	errno = 0;
	v = strtoull(digits, &end, base);
	if (errno == ERANGE || *end || v > (unsigned long long)LLONG_MAX + (negative ? 1u : 0u))
		return -1;
	*out = negative ? (long long)(0 - v) : (long long)v;
	return 0;
}

/* YAML 1.1 float: [-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?, plus
 * .inf/.nan spellings; also "1e3" which go-yaml accepts through strconv. */
static int is_float(const char *s)
{
	const char *p = s;
	int digits = 0, dot = 0;
	if (*p == '+' || *p == '-')
		p++;
	if (strcasecmp(p, ".inf") == 0 || (p == s && strcasecmp(s, ".nan") == 0))
		return 1;
	for (; *p && (isdigit((unsigned char)*p) || *p == '_' || *p == '.'); p++) {
		if (*p == '.') {
			if (dot++)
				return 0;
		} else if (*p != '_') {
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!isdigit((unsigned char)*p))
			return 0;
		while (isdigit((unsigned char)*p))
			p++;
		return *p == '\0';
	}
	return *p == '\0' && dot;
}

double scalar_parse_float(const char *s)
{
	char buf[128];
	const char *p = s;
	int negative = 0;
	if (*p == '+' || *p == '-')
		negative = *p++ == '-';
	if (strcasecmp(p, ".inf") == 0)
		return negative ? -INFINITY : INFINITY;
	if (strcasecmp(p, ".nan") == 0)
		return NAN;
	/* JSON numbers have no '_' and any length; YAML's (with '_') are short. */
	if (!strchr(s, '_'))
		return strtod(s, NULL);
	if (strip_underscores(s, buf, sizeof buf) != 0)
		return 0;
	return strtod(buf, NULL);
}

/* The null and boolean words by length (none is longer than 5 bytes). */
static const char *const keywords_by_len[6][10] = {
    [1] = {"~", "y", "Y", "n", "N", NULL},
    [2] = {"on", "On", "ON", "no", "No", "NO", NULL},
    [3] = {"yes", "Yes", "YES", "off", "Off", "OFF", NULL},
    [4] = {"null", "Null", "NULL", "true", "True", "TRUE", NULL},
    [5] = {"false", "False", "FALSE", NULL},
};

/* Whether a plain scalar starting with one of ~ n N y Y t T f F o O is a
 * null or boolean word: only the words of its length are compared, so the
 * common keys ("name", "namespace") cost one compare or none. */
static enum node_tag keyword_tag(const char *s)
{
	size_t n = strnlen(s, 6);
	if (n > 5)
		return NODE_TAG_STR;
	for (const char *const *w = keywords_by_len[n]; *w; w++)
		if (memcmp(s, *w, n + 1) == 0)
			return in_list(s, null_words) ? NODE_TAG_NULL : NODE_TAG_BOOL;
	return NODE_TAG_STR;
}

/* 1 when s is a plain decimal number that scalar_parse_int would accept at
 * once: "0", or up to 18 digits not starting with 0 (so no octal, and no
 * overflow of a long long). */
static int is_small_decimal(const char *s, size_t len)
{
	if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

enum node_tag scalar_resolve_plain(const char *s, size_t len)
{
	long long ignored;
	if (len > 64)
		return NODE_TAG_STR; /* no number or keyword is that long */
	switch (s[0]) {
	case '\0':
		return NODE_TAG_NULL; /* "" */
	case '~':
	case 'n':
	case 'N':
	case 'y':
	case 'Y':
	case 't':
	case 'T':
	case 'f':
	case 'F':
	case 'o':
	case 'O':
		/* No integer or float starts with a letter or '~'. */
		return keyword_tag(s);
	case '+':
	case '-':
	case '.':
	case '_': /* underscores are dropped before digits are read */
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		break;
	default:
		return NODE_TAG_STR;
	}
	if (is_small_decimal(s, len) || scalar_parse_int(s, &ignored) == 0)
		return NODE_TAG_INT;
	if (is_float(s))
		return NODE_TAG_FLOAT;
	return NODE_TAG_STR;
}
