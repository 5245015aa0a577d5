/* Unit tests of src/core/strbuf.c. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/strbuf.h"

static void test_empty(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *owned;
	size_t len = 99;
	CHECK_STR(strbuf_cstr(&sb), "");
	CHECK(sb.len == 0);
	owned = strbuf_detach(&sb, &len);
	CHECK_STR(owned, "");
	CHECK(len == 0);
	free(owned);
}

static void test_append_and_format(void)
{
	struct strbuf sb = STRBUF_INIT;
	CHECK(strbuf_puts(&sb, "outbound|") == 0);
	CHECK(strbuf_appendf(&sb, "%d||%s", 80, "customers.default.svc.cluster.local") == 0);
	CHECK(strbuf_putc(&sb, '!') == 0);
	CHECK_STR(strbuf_cstr(&sb), "outbound|80||customers.default.svc.cluster.local!");
	CHECK(sb.len == strlen("outbound|80||customers.default.svc.cluster.local!"));
	strbuf_reset(&sb);
	CHECK_STR(strbuf_cstr(&sb), "");
	CHECK(sb.cap > 0); /* memory kept for reuse */
	strbuf_free(&sb);
	CHECK(sb.data == NULL && sb.len == 0 && sb.cap == 0);
}

static void test_embedded_nul_and_growth(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *owned;
	CHECK(strbuf_append(&sb, "a\0b", 3) == 0);
	CHECK(sb.len == 3 && memcmp(sb.data, "a\0b", 4) == 0);
	for (int i = 0; i < 100000; i++)
		CHECK(strbuf_putc(&sb, (char)('a' + i % 26)) == 0 || 0);
	CHECK(sb.len == 100003);
	CHECK(sb.data[sb.len] == '\0');
	CHECK(sb.data[3] == 'a' && sb.data[3 + 25] == 'z' && sb.data[3 + 26] == 'a');
	owned = strbuf_detach(&sb, &len);
	CHECK(len == 100003);
	CHECK(sb.data == NULL);
	free(owned);
}

static void test_overflowing_request_fails_cleanly(void)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, "keep");
	CHECK(strbuf_append(&sb, "x", (size_t)-1) == -1);
	CHECK_STR(strbuf_cstr(&sb), "keep");
	strbuf_free(&sb);
}

int main(void)
{
	test_empty();
	test_append_and_format();
	test_embedded_nul_and_growth();
	test_overflowing_request_fails_cleanly();
	return check_summary("strbuf");
}
