/* FieldMasks for GET /config_dump's mask= (see dump_int.h), checked and
 * applied as Envoy's config_dump_handler.cc does: FieldMaskUtil::FromString
 * parses, GetFieldDescriptors decides whether a mask fits a dump or a
 * resource element (a path enters only singular message fields, and an
 * element's Any), TrimMessage keeps what it names. */
#include <string.h>

#include "dump_int.h"

#define MASK_MAX 32 /* paths, and sub-paths per field, we keep */

static struct dump_mask *mask_child(struct arena *ar, struct dump_mask *m, const char *name,
                                    size_t len)
{
	struct dump_mask *c;
	for (size_t i = 0; i < m->count; i++)
		if (strlen(m->children[i]->name) == len &&
		    strncmp(m->children[i]->name, name, len) == 0)
			return m->children[i];
	if (m->count == MASK_MAX)
		return NULL;
	c = arena_calloc(ar, 1, sizeof *c);
	if (!c || !(c->name = arena_strndup(ar, name, len)))
		return NULL;
	m->children[m->count++] = c;
	return c;
}

/* Adds the path "a.b.c" (len bytes) under m. Returns 0, -1 when out of
 * memory, -2 for an empty component ("a..b", "a."). */
static int mask_add(struct arena *ar, struct dump_mask *m, const char *path, size_t len)
{
	while (len > 0) {
		const char *dot = memchr(path, '.', len);
		size_t n = dot ? (size_t)(dot - path) : len;
		if (n == 0 || (dot && n + 1 == len))
			return -2;
		if (!(m = mask_child(ar, m, path, n)))
			return -1;
		if (!dot)
			break;
		len -= n + 1;
		path = dot + 1;
	}
	return 0;
}

/* The path at *text (up to its comma) into *path; returns its length and
 * moves *text past it and the comma (FieldMaskUtil::FromString's split). */
static size_t take_path(const char **text, const char **path)
{
	const char *comma = strchr(*text, ',');
	size_t n = comma ? (size_t)(comma - *text) : strlen(*text);
	*path = *text;
	*text += n + (comma ? 1 : 0);
	return n;
}

struct dump_mask *dump_mask_parse(struct arena *ar, const char *text)
{
	struct dump_mask *m = arena_calloc(ar, 1, sizeof *m);
	size_t paths = 1;
	if (!m)
		return NULL;
	m->name = "";
	for (const char *c = text; *c; c++)
		paths += *c == ',';
	if (paths > MASK_MAX) {
		m->unusable = 1; /* answered 400 by the fits checks */
		return m;
	}
	while (*text) {
		const char *path;
		size_t n = take_path(&text, &path);
		int rc = n > 0 ? mask_add(ar, m, path, n) : 0; /* empty paths are skipped */
		if (rc == -1)
			return NULL;
		if (rc == -2) {
			m->unusable = 1;
			return m;
		}
	}
	return m;
}

const struct node *dump_mask_trim(struct arena *ar, const struct node *msg,
                                  const struct dump_mask *m)
{
	struct node *out;
	if (m->count == 0 || msg->type != NODE_MAP)
		return msg;
	out = dump_node_new(ar, NODE_MAP, msg->len);
	if (!out)
		return NULL;
	for (size_t i = 0; i < msg->len; i++) {
		const char *key = msg->pairs[i].key->str;
		const struct node *v = msg->pairs[i].value;
		if (strcmp(key, "@type") == 0) { /* PackFrom writes it back */
			dump_node_put(out, msg->pairs[i].key, v);
			continue;
		}
		for (size_t c = 0; c < m->count; c++) {
			if (!node_field_name_is(key, m->children[c]->name))
				continue;
			if (!(v = dump_mask_trim(ar, v, m->children[c])))
				return NULL;
			dump_node_put(out, msg->pairs[i].key, v);
			break;
		}
	}
	return out;
}

/* 1 when every top path of m names one of fields ('*' marking the Any
 * field, which masks may enter) and only message fields (the Any, and
 * those in messages) have sub-paths. */
static int mask_valid(const struct dump_mask *m, const char *const *fields, size_t nfields,
                      const char *const *messages)
{
	if (m->unusable)
		return 0;
	for (size_t c = 0; c < m->count; c++) {
		const struct dump_mask *p = m->children[c];
		int found = 0;
		for (size_t f = 0; f < nfields && fields[f]; f++) {
			const char *name = fields[f][0] == '*' ? fields[f] + 1 : fields[f];
			int message = fields[f][0] == '*';
			for (size_t k = 0; messages[k]; k++)
				if (strcmp(messages[k], name) == 0)
					message = 1;
			if (strcmp(name, p->name) == 0) {
				found = 1;
				if (p->count > 0 && !message)
					return 0;
			}
		}
		if (!found)
			return 0;
	}
	return 1;
}

int dump_mask_fits_dump(const struct dump_mask *m, const struct dump_type *dt)
{
	const size_t cap = sizeof dt->fields / sizeof dt->fields[0];
	const char *names[sizeof dt->fields / sizeof dt->fields[0] + 1] = {NULL};
	const char *messages[sizeof dt->fields / sizeof dt->fields[0] + 1] = {NULL};
	size_t n = 0, k = 0;
	if (!dt)
		return 0;
	for (size_t f = 0; f < cap && dt->fields[f].name; f++) {
		names[n++] = dt->fields[f].name;
		if (dt->fields[f].message)
			messages[k++] = dt->fields[f].name;
	}
	return mask_valid(m, names, n, messages);
}

int dump_mask_fits_element(const struct dump_mask *m, const struct dump_element *el)
{
	/* DynamicListener's states are ListenerDumpState messages. */
	static const char *const messages[] = {"active_state", "warming_state", "draining_state",
	                                       "error_state", NULL};
	return mask_valid(m, el->fields, sizeof el->fields / sizeof el->fields[0], messages);
}

int dump_mask_debug_string(struct strbuf *out, const char *text)
{
	while (*text) {
		const char *path;
		size_t n = take_path(&text, &path);
		if (n > 0 && (strbuf_puts(out, "paths: \"") != 0 ||
		              strbuf_append(out, path, n) != 0 || strbuf_puts(out, "\"\n") != 0))
			return -1;
	}
	return 0;
}
