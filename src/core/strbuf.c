/* Growable strings (see include/meshlua/strbuf.h). Capacity doubles so that
 * appending n bytes one at a time costs O(n) overall. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "meshlua/strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

/* Makes room for extra more bytes plus the NUL. Returns 0 or -1. */
static int reserve(struct strbuf *sb, size_t extra)
{
	size_t need, cap;
	char *data;
	if (extra > (size_t)-1 - sb->len - 1)
		return -1;
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > (size_t)-1 / 2 ? need : cap * 2;
	data = realloc(sb->data, cap);
	if (!data)
		return -1;
	sb->data = data;
	sb->cap = cap;
	return 0;
}

int strbuf_append(struct strbuf *sb, const char *bytes, size_t n)
{
	if (reserve(sb, n) != 0)
		return -1;
	if (n)
		memcpy(sb->data + sb->len, bytes, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c)
{
	return strbuf_append(sb, &c, 1);
}

int strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0 || reserve(sb, (size_t)n) != 0)
		return -1;
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;
	va_start(ap, fmt);
	rc = strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

const char *strbuf_cstr(const struct strbuf *sb)
{
	return sb->data ? sb->data : "";
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->data)
		sb->data[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->data);
	strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *data = sb->data;
	if (len)
		*len = sb->len;
	if (!data)
		data = calloc(1, 1);
	strbuf_init(sb);
	return data;
}
