/* html: text into the dashboards' HTML pages (the admin page and
 * ControlZ's). Internal to src/net. */
#ifndef MESHLUA_NET_HTML_H
#define MESHLUA_NET_HTML_H

#include "meshlua/strbuf.h"

/* Appends s (NULL: nothing) with <, >, &, " and ' escaped, so it is safe
 * in element content and in quoted attribute values. */
void html_escape(struct strbuf *out, const char *s);

#endif
