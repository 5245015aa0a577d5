/* mesh_error: how the core reports an expected failure. The callee fills it;
 * the caller decides how to show it. The text names the input and the place
 * (file:line:col, or a byte offset, or a URL). */
#ifndef MESHLUA_ERROR_H
#define MESHLUA_ERROR_H

#include <stdarg.h>
#include <stddef.h>

struct mesh_error {
	char message[1024]; /* what is wrong, without the place */
	char source[512];   /* file name, URL or "<string>"; "" when none */
	int line;           /* 1-based; 0 when unknown */
	int column;         /* 1-based; 0 when unknown */
	long offset;        /* byte offset when no line is known; -1 when unknown */
};

/* Empties e: no message, no place. */
void mesh_error_clear(struct mesh_error *e);

/* Sets the place and a printf-formatted message; source may be NULL. Long
 * texts are truncated, never overflowed. e may be NULL (then nothing). */
void mesh_error_set(struct mesh_error *e, const char *source, int line, int column, const char *fmt,
                    ...) __attribute__((format(printf, 5, 6)));

/* As mesh_error_set with a va_list. */
void mesh_error_vset(struct mesh_error *e, const char *source, int line, int column,
                     const char *fmt, va_list ap);

/* Writes "source:line:col: message" (only the parts that are known; the byte
 * offset as "source: byte N: message") into buf of size cap, always
 * NUL-terminated. Returns the length the full text would have. */
size_t mesh_error_format(const struct mesh_error *e, char *buf, size_t cap);

#endif
