/* Positioned error messages for the core (see include/meshlua/error.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "meshlua/error.h"

void mesh_error_clear(struct mesh_error *e)
{
	e->message[0] = '\0';
	e->source[0] = '\0';
	e->line = 0;
	e->column = 0;
	e->offset = -1;
}

void mesh_error_vset(struct mesh_error *e, const char *source, int line, int column,
		     const char *fmt, va_list ap)
{
	if (!e)
		return;
	mesh_error_clear(e);
	if (source)
		snprintf(e->source, sizeof e->source, "%s", source);
	e->line = line;
	e->column = column;
	vsnprintf(e->message, sizeof e->message, fmt, ap);
}

void mesh_error_set(struct mesh_error *e, const char *source, int line, int column,
		    const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mesh_error_vset(e, source, line, column, fmt, ap);
	va_end(ap);
}

size_t mesh_error_format(const struct mesh_error *e, char *buf, size_t cap)
{
	char place[600] = "";
	int n;
	if (e->source[0] && e->line > 0 && e->column > 0)
		snprintf(place, sizeof place, "%s:%d:%d: ", e->source, e->line, e->column);
	else if (e->source[0] && e->line > 0)
		snprintf(place, sizeof place, "%s:%d: ", e->source, e->line);
	else if (e->source[0] && e->offset >= 0)
		snprintf(place, sizeof place, "%s: byte %ld: ", e->source, e->offset);
	else if (e->source[0])
		snprintf(place, sizeof place, "%s: ", e->source);
	n = snprintf(buf, cap, "%s%s", place, e->message);
	return n < 0 ? 0 : (size_t)n;
}
