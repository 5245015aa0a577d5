/* Unit tests of src/core/error.c: the place prefixes of error messages. */
#include <string.h>

#include "check.h"
#include "meshlua/error.h"

static const char *formatted(const struct mesh_error *e)
{
	static char buf[2048];
	mesh_error_format(e, buf, sizeof buf);
	return buf;
}

static void test_places(void)
{
	struct mesh_error e;
	mesh_error_set(&e, "apps.yaml", 14, 3,
	               "Service \"customers\": spec.ports[0].port must be an integer, got \"%s\"",
	               "eighty");
	CHECK_STR(formatted(&e),
	          "apps.yaml:14:3: Service \"customers\": spec.ports[0].port must be an integer, "
	          "got \"eighty\"");
	mesh_error_set(&e, "apps.yaml", 7, 0, "bad");
	CHECK_STR(formatted(&e), "apps.yaml:7: bad");
	mesh_error_set(&e, "dump.json", 0, 0, "truncated");
	e.offset = 4096;
	CHECK_STR(formatted(&e), "dump.json: byte 4096: truncated");
	mesh_error_set(&e, "http://127.0.0.1:15000/config_dump", 0, 0, "connection refused");
	CHECK_STR(formatted(&e), "http://127.0.0.1:15000/config_dump: connection refused");
	mesh_error_set(&e, NULL, 0, 0, "no place");
	CHECK_STR(formatted(&e), "no place");
	mesh_error_set(NULL, "x", 1, 1, "ignored"); /* allowed: nothing happens */
}

static void test_truncation(void)
{
	struct mesh_error e;
	char longtext[5000], small[16];
	size_t full;
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	mesh_error_set(&e, longtext, 1, 1, "%s", longtext);
	CHECK(strlen(e.message) == sizeof e.message - 1);
	CHECK(strlen(e.source) == sizeof e.source - 1);
	mesh_error_set(&e, "f", 1, 2, "message");
	full = mesh_error_format(&e, small, sizeof small);
	CHECK(full == strlen("f:1:2: message"));
	CHECK_STR(small, "f:1:2: message");
	full = mesh_error_format(&e, small, 5);
	CHECK_STR(small, "f:1:");
	CHECK(full == strlen("f:1:2: message"));
}

int main(void)
{
	test_places();
	test_truncation();
	return check_summary("error");
}
