/* Label selectors as kubectl -l and the API server's labels.Parse read them:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined by
 * commas (all must hold). */
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

struct parser {
	const char *s;
	size_t pos;
	struct arena *arena;
	struct mesh_error *err;
	struct mesh_requirement *reqs;
	size_t count, cap;
};

static void skip_spaces(struct parser *p)
{
	while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t')
		p->pos++;
}

static int is_stop(char c, const char *stops)
{
	return c == '\0' || strchr(stops, c) != NULL;
}

/* Reads a word up to one of stops (or a space); "" when none. */
static char *read_word(struct parser *p, const char *stops)
{
	size_t start = p->pos;
	while (!is_stop(p->s[p->pos], stops) && p->s[p->pos] != ' ' && p->s[p->pos] != '\t')
		p->pos++;
	return arena_strndup(p->arena, p->s + start, p->pos - start);
}

static int fail(struct parser *p, const char *what)
{
	mesh_error_set(p->err, NULL, 0, 0,
	               "unable to parse requirement: %s (at character %zu of %s)", what, p->pos + 1,
	               p->s);
	return -1;
}

static int check_value(struct parser *p, const char *v)
{
	const char *problem = label_value_problem(v);
	if (problem) {
		mesh_error_set(p->err, NULL, 0, 0, "values: Invalid value: \"%s\": %s", v, problem);
		return -1;
	}
	return 0;
}

static int push(struct parser *p, const struct mesh_requirement *r)
{
	if (p->count == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 4;
		struct mesh_requirement *grown = realloc(p->reqs, cap * sizeof *grown);
		if (!grown)
			return -1;
		p->reqs = grown;
		p->cap = cap;
	}
	p->reqs[p->count++] = *r;
	return 0;
}

/* Reads "(a, b, c)" into r's values. */
static int read_set(struct parser *p, struct mesh_requirement *r)
{
	const char *vals[64];
	size_t n = 0;
	const char **copy;
	skip_spaces(p);
	if (p->s[p->pos] != '(')
		return fail(p, "expected '(' after in/notin");
	p->pos++;
	for (;;) {
		char *v;
		skip_spaces(p);
		v = read_word(p, ",)");
		if (!v)
			return -1;
		if (check_value(p, v) != 0)
			return -1;
		if (n == 64)
			return fail(p, "too many values");
		vals[n++] = v;
		skip_spaces(p);
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] == ')') {
			p->pos++;
			break;
		}
		return fail(p, "expected ',' or ')'");
	}
	copy = arena_alloc(p->arena, n * sizeof *copy);
	if (!copy)
		return -1;
	memcpy(copy, vals, n * sizeof *copy);
	r->values = copy;
	r->value_count = n;
	return 0;
}

static int read_requirement(struct parser *p)
{
	struct mesh_requirement r = {0};
	const char *problem;
	char *key;
	skip_spaces(p);
	if (p->s[p->pos] == '!') {
		p->pos++;
		skip_spaces(p);
		r.op = MESH_SEL_NOT_EXISTS;
	} else {
		r.op = MESH_SEL_EXISTS;
	}
	key = read_word(p, ",=!()");
	if (!key)
		return -1;
	if (!key[0])
		return fail(p, "expected a label key");
	problem = label_key_problem(key);
	if (problem) {
		mesh_error_set(p->err, NULL, 0, 0, "key: Invalid value: \"%s\": %s", key, problem);
		return -1;
	}
	r.key = key;
	skip_spaces(p);
	if (r.op == MESH_SEL_NOT_EXISTS || p->s[p->pos] == ',' || p->s[p->pos] == '\0')
		return push(p, &r);
	if (p->s[p->pos] == '=' || (p->s[p->pos] == '!' && p->s[p->pos + 1] == '=')) {
		const char **one;
		char *v;
		r.op = p->s[p->pos] == '!' ? MESH_SEL_NE : MESH_SEL_EQ;
		p->pos += p->s[p->pos] == '!' ? 2 : 1;
		if (r.op == MESH_SEL_EQ && p->s[p->pos] == '=')
			p->pos++;
		skip_spaces(p);
		v = read_word(p, ",()");
		one = arena_alloc(p->arena, sizeof *one);
		if (!v || !one)
			return -1;
		if (check_value(p, v) != 0)
			return -1;
		one[0] = v;
		r.values = one;
		r.value_count = 1;
		return push(p, &r);
	}
	if (strncmp(p->s + p->pos, "notin", 5) == 0) {
		p->pos += 5;
		r.op = MESH_SEL_NOTIN;
	} else if (strncmp(p->s + p->pos, "in", 2) == 0) {
		p->pos += 2;
		r.op = MESH_SEL_IN;
	} else {
		return fail(p, "expected one of =, ==, !=, in, notin");
	}
	if (read_set(p, &r) != 0)
		return -1;
	return push(p, &r);
}

int mesh_selector_parse(struct mesh_selector *sel, const char *text, struct mesh_error *err)
{
	struct parser p = {text, 0, &sel->arena, err, NULL, 0, 0};
	struct mesh_requirement *items;
	arena_init(&sel->arena, 1024);
	mesh_error_clear(err);
	sel->count = 0;
	sel->items = NULL;
	skip_spaces(&p);
	while (text[p.pos]) {
		if (read_requirement(&p) != 0) {
			if (!err->message[0])
				mesh_error_set(err, NULL, 0, 0, "out of memory");
			free(p.reqs);
			return -1;
		}
		skip_spaces(&p);
		if (text[p.pos] == ',') {
			p.pos++;
			skip_spaces(&p);
			if (!text[p.pos]) {
				free(p.reqs);
				return fail(&p, "expected a requirement after ','");
			}
		} else if (text[p.pos]) {
			free(p.reqs);
			return fail(&p, "expected ','");
		}
	}
	items = arena_alloc(&sel->arena, (p.count ? p.count : 1) * sizeof *items);
	if (!items) {
		free(p.reqs);
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	if (p.count)
		memcpy(items, p.reqs, p.count * sizeof *items);
	free(p.reqs);
	sel->items = items;
	sel->count = p.count;
	return 0;
}

static int in_values(const struct mesh_requirement *r, const char *v)
{
	for (size_t i = 0; i < r->value_count; i++)
		if (strcmp(r->values[i], v) == 0)
			return 1;
	return 0;
}

int mesh_selector_matches(const struct mesh_selector *sel, const struct mesh_labels *labels)
{
	for (size_t i = 0; sel && i < sel->count; i++) {
		const struct mesh_requirement *r = &sel->items[i];
		const char *v = mesh_labels_get(labels, r->key);
		switch (r->op) {
		case MESH_SEL_EQ:
		case MESH_SEL_IN:
			if (!v || !in_values(r, v))
				return 0;
			break;
		case MESH_SEL_NE:
		case MESH_SEL_NOTIN:
			if (v && in_values(r, v))
				return 0;
			break;
		case MESH_SEL_EXISTS:
			if (!v)
				return 0;
			break;
		case MESH_SEL_NOT_EXISTS:
			if (v)
				return 0;
			break;
		}
	}
	return 1;
}

void mesh_selector_free(struct mesh_selector *sel)
{
	arena_free(&sel->arena);
	sel->count = 0;
	sel->items = NULL;
}
