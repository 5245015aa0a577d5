/* meshlua.x509 and meshlua.base64_decode: the C certificate reader
 * (include/meshlua/x509.h) for the Lua views that report certificates
 * (`istioctl proxy-config secret`), so that the admin server's /certs and
 * the secret table read a certificate the same way. Thin: the reading is
 * all in src/xds/x509.c. */
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua/bindings.h"
#include "meshlua/x509.h"

/* nil and "<what>: byte N: message" (the reader names its input
 * "certificate" whatever it reads). */
static int push_failure(lua_State *L, const char *what, struct mesh_error *err)
{
	char msg[1600];
	snprintf(err->source, sizeof err->source, "%s", what);
	mesh_error_format(err, msg, sizeof msg);
	lua_pushnil(L);
	lua_pushstring(L, msg);
	return 2;
}

static const char *san_type_name(enum x509_san_type t)
{
	switch (t) {
	case X509_SAN_DNS:
		return "dns";
	case X509_SAN_URI:
		return "uri";
	case X509_SAN_IP:
		return "ip_address";
	case X509_SAN_EMAIL:
		return "email";
	}
	return "unknown";
}

/* Sets field name of the table on top to t as Unix seconds and as RFC 3339
 * text (name .. "_text"). */
static void set_time(lua_State *L, const char *name, time_t t)
{
	char text[32], key[64];
	lua_pushinteger(L, (lua_Integer)t);
	lua_setfield(L, -2, name);
	if (x509_time_rfc3339(t, text, sizeof text) == 0) {
		snprintf(key, sizeof key, "%s_text", name);
		lua_pushstring(L, text);
		lua_setfield(L, -2, key);
	}
}

/* meshlua.x509(data) -> { serial =, not_before =, not_after =,
 * not_before_text =, not_after_text =, is_ca =, sans = { {type =, value =},
 * ... } } for the first certificate of data (PEM text or DER bytes); or
 * nil and a message naming the byte at fault. serial is lowercase hex
 * without leading zero bytes, as Envoy prints it; times are Unix seconds,
 * and RFC 3339 text in the *_text fields; a SAN's type is "dns", "uri",
 * "ip_address" or "email". */
static int l_x509(lua_State *L)
{
	size_t len;
	const char *data = luaL_checklstring(L, 1, &len);
	struct x509_cert cert = {0};
	struct mesh_error err;
	mesh_error_clear(&err);
	if (x509_parse(data, len, &cert, &err) != 0)
		return push_failure(L, "certificate", &err);
	lua_createtable(L, 0, 8);
	lua_pushstring(L, cert.serial);
	lua_setfield(L, -2, "serial");
	set_time(L, "not_before", cert.not_before);
	set_time(L, "not_after", cert.not_after);
	lua_pushboolean(L, cert.is_ca);
	lua_setfield(L, -2, "is_ca");
	lua_createtable(L, (int)cert.san_count, 0);
	for (size_t i = 0; i < cert.san_count; i++) {
		lua_createtable(L, 0, 2);
		lua_pushstring(L, san_type_name(cert.sans[i].type));
		lua_setfield(L, -2, "type");
		lua_pushstring(L, cert.sans[i].value);
		lua_setfield(L, -2, "value");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "sans");
	x509_cert_clear(&cert);
	return 1;
}

/* meshlua.base64_decode(text) -> the bytes (standard or URL-safe alphabet,
 * blanks skipped), or nil and a message naming the offending byte. */
static int l_base64_decode(lua_State *L)
{
	size_t len, out_len;
	const char *text = luaL_checklstring(L, 1, &len);
	unsigned char *out;
	struct mesh_error err;
	mesh_error_clear(&err);
	if (x509_base64_decode(text, len, &out, &out_len, &err) != 0)
		return push_failure(L, "base64", &err);
	lua_pushlstring(L, (const char *)out, out_len);
	free(out);
	return 1;
}

void meshlua_open_x509(lua_State *L)
{
	lua_pushcfunction(L, l_x509);
	lua_setfield(L, -2, "x509");
	lua_pushcfunction(L, l_base64_decode);
	lua_setfield(L, -2, "base64_decode");
}
