/* Plain scalar typing (src/core/node_scalar.c) as go-yaml v2, kubectl's YAML
 * reader, resolves it: every word of its YAML 1.1 table (resolve.go's
 * resolveMapList), its number forms, and the strings that come close to
 * them, which the resolver's shortcuts (first character, length) must
 * still leave as strings. */
#include <string.h>

#include "check.h"
#include "meshlua/yaml_load.h"

/* The type of the plain scalar text, as a value of a one-key map. */
static const char *type_of(const char *text)
{
	static char buf[64];
	char doc[128];
	struct yaml_stream s;
	struct mesh_error err;
	snprintf(doc, sizeof doc, "v: %s\n", text);
	if (yaml_load(&s, "t", doc, strlen(doc), &err) != 0)
		return "(error)";
	snprintf(buf, sizeof buf, "%s", node_type_name(node_get(s.docs[0], "v")));
	yaml_stream_free(&s);
	return buf;
}

static void check_all(const char *const *texts, const char *want)
{
	for (; *texts; texts++) {
		const char *got = type_of(*texts);
		if (strcmp(got, want) != 0)
			fprintf(stderr, "  %s: %s, want %s\n", *texts, got, want);
		CHECK_STR(got, want);
	}
}

static void test_the_words_of_yaml_1_1(void)
{
	static const char *const booleans[] = {
	    "y", "Y",  "yes", "Yes", "YES", "true", "True", "TRUE",  "on",    "On",    "ON", "n",
	    "N", "no", "No",  "NO",  "off", "Off",  "OFF",  "false", "False", "FALSE", NULL};
	static const char *const nulls[] = {"~", "null", "Null", "NULL", "", NULL};
	check_all(booleans, "boolean");
	check_all(nulls, "null");
}

static void test_numbers(void)
{
	static const char *const integers[] = {"0",
	                                       "7",
	                                       "8080",
	                                       "-1",
	                                       "+1",
	                                       "0x1F",
	                                       "0o17",
	                                       "0777",
	                                       "0b101",
	                                       "1_000",
	                                       "123456789012345678",
	                                       "9223372036854775807",
	                                       "-9223372036854775808",
	                                       NULL};
	static const char *const floats[] = {"1.5",  "-0.5",  ".5",    "1e3",  "1.5e-3", "1_000.5",
	                                     ".inf", "-.Inf", "+.INF", ".nan", ".NaN",   NULL};
	check_all(integers, "integer");
	check_all(floats, "number");
}

static void test_near_misses_stay_strings(void)
{
	static const char *const strings[] = {
	    "name",   "namespace", "yess", "nO",  "TRue",  "Nul",          "nulls", "offf",
	    "onn",    "Falsey",    "t",    "f",   "o",     "tru",          "fals",  "~~",
	    "nan",    "inf",       "0x",   "0b2", "1.2.3", "1e",           "+",     ".",
	    "app-01", "v1",        "http", "1a",  "1-2",   "10.42.0.0/16", NULL};
	check_all(strings, "string");
}

int main(void)
{
	test_the_words_of_yaml_1_1();
	test_numbers();
	test_near_misses_stay_strings();
	return check_summary("yaml_scalars");
}
