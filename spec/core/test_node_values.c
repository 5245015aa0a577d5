/* Reading typed scalars of node trees (node_bool, node_float in
 * src/core/node.c): booleans by YAML 1.1's table as kubectl's reader
 * (go-yaml v2, resolve.go's resolveMapList) has it, numbers in every form
 * YAML 1.1 and JSON write them. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "meshlua/json_load.h"
#include "meshlua/yaml_load.h"

/* The value of key v in the one-document YAML text (the stream stays in s). */
static const struct node *yaml_value(struct yaml_stream *s, const char *text)
{
	struct mesh_error err;
	if (yaml_load(s, "t", text, strlen(text), &err) != 0)
		return NULL;
	return node_get(s->docs[0], "v");
}

/* node_bool of the plain scalar word: 1, 0, or -1 when it is not a boolean. */
static int bool_of(const char *word)
{
	char doc[64];
	struct yaml_stream s;
	int b = -1, rc;
	snprintf(doc, sizeof doc, "v: %s\n", word);
	rc = node_bool(yaml_value(&s, doc), &b);
	yaml_stream_free(&s);
	return rc == 0 ? b : -1;
}

static void test_booleans_by_the_yaml_1_1_table(void)
{
	static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
	                                    "True", "TRUE", "on",  "On",  "ON",  NULL};
	static const char *const falses[] = {"n",   "N",   "no",    "No",    "NO",    "off",
	                                     "Off", "OFF", "false", "False", "FALSE", NULL};
	static const char *const not_booleans[] = {"'true'", "\"yes\"", "1", "0", "~", "t", NULL};
	for (const char *const *w = trues; *w; w++) {
		if (bool_of(*w) != 1)
			fprintf(stderr, "  %s is not true\n", *w);
		CHECK(bool_of(*w) == 1);
	}
	for (const char *const *w = falses; *w; w++) {
		if (bool_of(*w) != 0)
			fprintf(stderr, "  %s is not false\n", *w);
		CHECK(bool_of(*w) == 0);
	}
	for (const char *const *w = not_booleans; *w; w++)
		CHECK(bool_of(*w) == -1);
	CHECK(node_bool(NULL, &(int){0}) == -1);
}

static void test_json_booleans_and_maps(void)
{
	char text[] = "{\"a\": true, \"b\": false, \"c\": \"true\", \"d\": {}}";
	struct arena a;
	struct node *root;
	struct mesh_error err;
	int b = 7;
	arena_init(&a, 0);
	CHECK(json_parse_insitu(&a, "t", text, strlen(text), &root, &err) == 0);
	CHECK(node_bool(node_get(root, "a"), &b) == 0 && b == 1);
	CHECK(node_bool(node_get(root, "b"), &b) == 0 && b == 0);
	b = 7;
	CHECK(node_bool(node_get(root, "c"), &b) == -1 && b == 7); /* *out untouched */
	CHECK(node_bool(node_get(root, "d"), &b) == -1);
	arena_free(&a);
}

/* node_float of the plain scalar text, NAN when it is not a number. */
static double float_of(const char *text)
{
	char doc[64];
	struct yaml_stream s;
	double d = NAN;
	snprintf(doc, sizeof doc, "v: %s\n", text);
	if (node_float(yaml_value(&s, doc), &d) != 0)
		d = NAN;
	yaml_stream_free(&s);
	return d;
}

static void test_yaml_numbers(void)
{
	CHECK(float_of("80") == 80);
	CHECK(float_of("0x1F") == 31);
	CHECK(float_of("0777") == 511);
	CHECK(float_of("1_000") == 1000);
	CHECK(float_of("1_000.5") == 1000.5);
	CHECK(float_of("-.5") == -0.5);
	CHECK(float_of("1e3") == 1000);
	CHECK(isinf(float_of(".inf")) && float_of("-.Inf") < 0);
	CHECK(isnan(float_of(".nan")));
	CHECK(isnan(float_of("'80'"))); /* quoted: a string */
	CHECK(isnan(float_of("true")));
}

static void test_json_numbers_of_any_length(void)
{
	/* JSON allows any number of digits: an integer past a long long is read
	 * as the nearest double, and a float longer than any YAML float still
	 * reads whole (it once read as 0 past 127 bytes). */
	char text[400];
	struct arena a;
	struct node *root;
	struct mesh_error err;
	long long i;
	double d = 0;
	snprintf(text, sizeof text, "[99999999999999999999, 1.%0300d5]", 0);
	arena_init(&a, 0);
	CHECK(json_parse_insitu(&a, "t", text, strlen(text), &root, &err) == 0);
	CHECK(node_int(root->items[0], &i) == -1);
	CHECK(node_float(root->items[0], &d) == 0 && d == 1e20);
	CHECK(node_float(root->items[1], &d) == 0 && d == 1.0);
	arena_free(&a);
}

int main(void)
{
	test_booleans_by_the_yaml_1_1_table();
	test_json_booleans_and_maps();
	test_yaml_numbers();
	test_json_numbers_of_any_length();
	return check_summary("node_values");
}
