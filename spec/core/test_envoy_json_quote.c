/* xds_json_quote_envoy: strings escaped as protobuf's C++ JSON writer does
 * (src/google/protobuf/json/internal/writer.cc, MustEscape and
 * ConsumeUtf8Scalar), the writer behind every JSON page of Envoy's admin
 * interface. Expectations are that code's rules, case by case. */
#include <stdlib.h>

#include "check.h"
#include "meshlua/xds_json.h"

static char *quoted(const char *s, size_t len)
{
	static char buf[256];
	struct strbuf sb = STRBUF_INIT;
	if (xds_json_quote_envoy(&sb, s, len) != 0) {
		strbuf_free(&sb);
		return NULL;
	}
	snprintf(buf, sizeof buf, "%s", strbuf_cstr(&sb));
	strbuf_free(&sb);
	return buf;
}

#define Q(lit) quoted(lit, sizeof(lit) - 1)

int main(void)
{
	/* the JSON spec's short escapes; '/' and '&' are not escaped */
	CHECK_STR(Q("a\"b\\c\nd\re\tf\bg\fh/&"), "\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh/&\"");
	/* < and > for JavaScript's sake, lowercase hex */
	CHECK_STR(Q("<inline>"), "\"\\u003cinline\\u003e\"");
	/* other controls and DEL..U+009F */
	CHECK_STR(Q("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
	CHECK_STR(Q("\xc2\x85"), "\"\\u0085\"");
	/* invisible or formatting code points: soft hyphen, ZWSP, LS, BOM */
	CHECK_STR(Q("\xc2\xad|\xe2\x80\x8b|\xe2\x80\xa8|\xef\xbb\xbf"),
	          "\"\\u00ad|\\u200b|\\u2028|\\ufeff\"");
	/* printable non-ASCII stays as UTF-8 */
	CHECK_STR(Q("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
	          "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* an escaped code point above U+FFFF: a surrogate pair (U+E0041, a tag) */
	CHECK_STR(Q("\xf3\xa0\x81\x81"), "\"\\udb40\\udc41\"");
	/* bytes that are not UTF-8 become a space, the bad byte consumed */
	CHECK_STR(Q("a\xff" "b"), "\"a b\"");
	CHECK_STR(Q("a\xc3(b"), "\"a b\"");
	CHECK_STR(Q("a\xe2\x82"), "\"a \"");
	CHECK_STR(Q(""), "\"\"");
	return check_summary("envoy_json_quote");
}
