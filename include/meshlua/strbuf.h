/* strbuf: a growable, always NUL-terminated byte string. The core's way to
 * build text (messages, JSON, tables) without fixed-size buffers. */
#ifndef MESHLUA_STRBUF_H
#define MESHLUA_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *data; /* NUL-terminated once anything was appended; NULL before */
	size_t len; /* bytes, without the NUL */
	size_t cap; /* bytes allocated */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

/* Sets sb to the empty string without allocating. */
void strbuf_init(struct strbuf *sb);

/* Appends n bytes (which may contain NULs). Returns 0, or -1 when memory
 * runs out, leaving sb as it was. */
int strbuf_append(struct strbuf *sb, const char *bytes, size_t n);

/* Appends a NUL-terminated string. Returns 0 or -1 as strbuf_append. */
int strbuf_puts(struct strbuf *sb, const char *s);

/* Appends one byte. Returns 0 or -1 as strbuf_append. */
int strbuf_putc(struct strbuf *sb, char c);

/* Appends printf-formatted text. Returns 0, or -1 on a memory or format error. */
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* As strbuf_appendf with a va_list. */
int strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap);

/* The contents as a C string: "" when nothing was appended. Valid until the
 * next change to sb. */
const char *strbuf_cstr(const struct strbuf *sb);

/* Empties sb, keeping its memory for reuse. */
void strbuf_reset(struct strbuf *sb);

/* Releases sb's memory and empties it. */
void strbuf_free(struct strbuf *sb);

/* Hands the contents to the caller, who frees them with free(); sb is left
 * empty. Returns a new empty string when nothing was appended, NULL when out
 * of memory. *len (when not NULL) receives the length. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
