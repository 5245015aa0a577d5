/* The X.509 reader (src/xds/x509.c): the real certificates of the istioctl
 * secret fixtures give the serials and dates `istioctl proxy-config secret`
 * prints in their goldens; hand-built DER covers the time forms, SAN kinds
 * and serial forms; truncations, mutations, bad base64 and a 10 MB random
 * blob must give an error, never a crash or an overread (each input sits in
 * a buffer of exactly its size, so ASan sees any read past it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/arena.h"
#include "meshlua/json_load.h"
#include "meshlua/node.h"
#include "meshlua/x509.h"

#define SECRETS "../shared/fixtures/istioctl/writer-configdump/secret/"

/* Parses a copy of data in a buffer of exactly len bytes. */
static int parse_exact(const void *data, size_t len, struct x509_cert *c, struct mesh_error *e)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;
	memcpy(copy, data, len);
	r = x509_parse(copy, len, c, e);
	free(copy);
	return r;
}

static int parse_der_exact(const void *data, size_t len, struct x509_cert *c, struct mesh_error *e)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;
	memcpy(copy, data, len);
	r = x509_parse_der(copy, len, c, e);
	free(copy);
	return r;
}

/* The PEM text of a base64 inline_bytes field (malloc'd). */
static char *inline_pem(const struct node *ds, size_t *len)
{
	unsigned char *out = NULL;
	const char *b64 = node_text(node_get(ds, "inline_bytes"));
	if (!b64 || x509_base64_decode(b64, strlen(b64), &out, len, NULL) != 0)
		return NULL;
	return (char *)out;
}

/* One row of an istioctl `proxy-config secret` golden. */
struct golden_row {
	char name[128], serial[128], not_after[32], not_before[32], domain[64];
};

/* The golden's rows that have a certificate, columns split on runs of two
 * or more spaces (TYPE "Cert Chain" has one inside). Returns the count. */
static size_t read_golden(const char *path, struct golden_row *rows, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t n = 0;
	int header = 1;
	CHECK(f != NULL);
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f) && n < cap) {
		char *cells[10];
		size_t k = 0;
		char *p = line;
		if (header) {
			header = 0;
			continue;
		}
		line[strcspn(line, "\n")] = 0;
		while (*p && k < 10) {
			char *end = strstr(p, "  ");
			cells[k++] = p;
			if (!end)
				break;
			*end = 0;
			p = end + 2;
			while (*p == ' ')
				p++;
		}
		if (k < 7 || strlen(cells[4]) < 16)
			continue; /* no certificate (the WARMING secret) */
		snprintf(rows[n].name, sizeof rows[n].name, "%s", cells[0]);
		snprintf(rows[n].serial, sizeof rows[n].serial, "%s", cells[4]);
		snprintf(rows[n].not_after, sizeof rows[n].not_after, "%s", cells[5]);
		snprintf(rows[n].not_before, sizeof rows[n].not_before, "%s", cells[6]);
		snprintf(rows[n].domain, sizeof rows[n].domain, "%s", k > 7 ? cells[7] : "");
		n++;
	}
	fclose(f);
	return n;
}

/* istioctl prints the serial as %032x; ours is Envoy's (no leading zero
 * bytes): equal once ours is padded to 32 digits. */
static void check_serial(const char *ours, const char *golden)
{
	char padded[192];
	size_t len = strlen(ours);
	snprintf(padded, sizeof padded, "%.*s%s", len < 32 ? (int)(32 - len) : 0,
	         "00000000000000000000000000000000", ours);
	CHECK_STR(padded, golden);
}

static void check_against_golden(const struct x509_cert *c, const struct golden_row *row)
{
	char when[32];
	check_serial(c->serial, row->serial);
	CHECK(x509_time_rfc3339(c->not_after, when, sizeof when) == 0);
	CHECK_STR(when, row->not_after);
	CHECK(x509_time_rfc3339(c->not_before, when, sizeof when) == 0);
	CHECK_STR(when, row->not_before);
}

/* The fixture's secrets checked against its golden: serial, dates, CA-ness
 * (TYPE) and, for a workload certificate, the SPIFFE URI SAN whose host is
 * the TRUST DOMAIN column. */
static void test_fixture(const char *dir, size_t want_rows)
{
	char path[256];
	struct arena a;
	struct node *root;
	struct mesh_error err;
	struct golden_row rows[8];
	size_t nrows, checked = 0;
	const struct node *secrets;
	snprintf(path, sizeof path, SECRETS "%s/output", dir);
	nrows = read_golden(path, rows, 8);
	CHECK(nrows == want_rows);
	arena_init(&a, 0);
	snprintf(path, sizeof path, SECRETS "%s/config_dump.json", dir);
	CHECK(json_load_file(&a, path, &root, &err) == 0);
	secrets = node_get(node_get(root, "configs")->items[0], "dynamic_active_secrets");
	for (size_t i = 0; secrets && i < secrets->len; i++) {
		const struct node *sec = node_get(secrets->items[i], "secret");
		const char *name = node_text(node_get(sec, "name"));
		const struct node *chain =
		    node_get(node_get(sec, "tls_certificate"), "certificate_chain");
		const struct node *vc = node_get(sec, "validation_context");
		const struct node *domains =
		    node_get(node_get(node_get(vc, "custom_validator_config"), "typed_config"),
		             "trust_domains");
		for (size_t r = 0; r < nrows; r++) {
			const struct node *ds = NULL;
			struct x509_cert c;
			size_t len;
			char *pem;
			if (strcmp(rows[r].name, name) != 0)
				continue;
			if (chain)
				ds = chain;
			else if (domains) {
				for (size_t d = 0; d < domains->len; d++)
					if (strcmp(node_text(node_get(domains->items[d], "name")),
					           rows[r].domain) == 0)
						ds = node_get(domains->items[d], "trust_bundle");
			} else
				ds = node_get(vc, "trusted_ca");
			pem = inline_pem(ds, &len);
			CHECK(pem != NULL);
			if (!pem)
				continue;
			CHECK(parse_exact(pem, len, &c, &err) == 0);
			check_against_golden(&c, &rows[r]);
			CHECK(c.is_ca == (chain == NULL));
			if (!chain) /* the roots have no SAN (openssl x509 -ext shows none) */
				CHECK(c.san_count == 0);
			else if (*rows[r].domain) {
				char want[128];
				snprintf(want, sizeof want, "spiffe://%s/", rows[r].domain);
				CHECK(c.san_count == 1 && c.sans[0].type == X509_SAN_URI &&
				      strncmp(c.sans[0].value, want, strlen(want)) == 0);
			}
			x509_cert_clear(&c);
			free(pem);
			checked++;
		}
	}
	CHECK(checked == want_rows);
	arena_free(&a);
}

/* The istio fixture's workload chain: leaf then root, read one by one; the
 * leaf's SAN as openssl shows it. Then every truncation and many one-byte
 * mutations of the leaf's DER. */
static void test_chain_and_damage(void)
{
	struct arena a;
	struct node *root;
	struct mesh_error err;
	struct x509_cert c;
	unsigned char *der = NULL, *der2 = NULL;
	size_t len, der_len = 0, der2_len = 0, pos = 0, ok = 0, failed = 0;
	char *pem;
	arena_init(&a, 0);
	CHECK(json_load_file(&a, SECRETS "istio/config_dump.json", &root, &err) == 0);
	pem = inline_pem(node_get(node_get(node_get(node_get(node_get(root, "configs")->items[0],
	                                                     "dynamic_active_secrets")
	                                                ->items[0],
	                                            "secret"),
	                                   "tls_certificate"),
	                          "certificate_chain"),
	                 &len);
	CHECK(pem != NULL);
	if (!pem) {
		arena_free(&a);
		return;
	}
	CHECK(x509_pem_next(pem, len, &pos, &der, &der_len, &err) == 1);
	CHECK(x509_pem_next(pem, len, &pos, &der2, &der2_len, &err) == 1);
	{
		unsigned char *none;
		size_t none_len;
		CHECK(x509_pem_next(pem, len, &pos, &none, &none_len, &err) == 0);
		CHECK(none == NULL && pos == len);
	}
	CHECK(parse_der_exact(der, der_len, &c, &err) == 0);
	CHECK_STR(c.serial, "6fbee254c22900615cb1f74e3d2f1713");
	CHECK(c.san_count == 1);
	CHECK_STR(c.san_count ? c.sans[0].value : NULL,
	          "spiffe://cluster.local/ns/ambient/sa/namespace-istio-waypoint");
	CHECK(!c.is_ca);
	x509_cert_clear(&c);
	x509_cert_clear(&c); /* clearing twice is safe */

	/* Every prefix is an error with a place inside the input. */
	for (size_t n = 0; n < der_len; n++) {
		mesh_error_clear(&err);
		if (parse_der_exact(der, n, &c, &err) == 0)
			ok++;
		else if (err.message[0] && err.offset >= 0 && (size_t)err.offset <= n)
			failed++;
	}
	CHECK(ok == 0);
	CHECK(failed == der_len);

	/* One byte changed anywhere: a clean answer either way. */
	ok = failed = 0;
	for (size_t i = 0; i < der_len; i++) {
		static const unsigned char vals[] = {0x00, 0xff, 0x80, 0x84, 0x7f, 0x1f};
		for (size_t v = 0; v < sizeof vals + 1; v++) {
			unsigned char *m = malloc(der_len);
			int r;
			memcpy(m, der, der_len);
			m[i] = v < sizeof vals ? vals[v] : (unsigned char)(der[i] + 1);
			r = x509_parse_der(m, der_len, &c, &err);
			if (r == 0) {
				ok++;
				x509_cert_clear(&c);
			} else {
				CHECK(err.message[0] != 0);
				CHECK(c.sans == NULL && c.san_count == 0);
				failed++;
			}
			free(m);
		}
	}
	CHECK(ok > 0 && failed > 0);

	/* Trailing bytes after the certificate, and a length past the end. */
	{
		unsigned char *m = malloc(der_len + 1);
		memcpy(m, der, der_len);
		m[der_len] = 0;
		CHECK(x509_parse_der(m, der_len + 1, &c, &err) == -1);
		CHECK(strstr(err.message, "trailing") != NULL);
		CHECK(err.offset == (long)der_len);
		m[3] = (unsigned char)(m[3] + 1); /* outer length one too long */
		CHECK(parse_der_exact(m, der_len, &c, &err) == -1);
		CHECK(strstr(err.message, "past the end") != NULL);
		free(m);
	}
	CHECK(parse_der_exact(der2, der2_len, &c, &err) == 0);
	CHECK_STR(c.serial, "0193a543fe2b0d9cd4847675394dfc54");
	CHECK(c.is_ca);
	x509_cert_clear(&c);
	free(der);
	free(der2);
	free(pem);
	arena_free(&a);
}

/* --- hand-built DER --- */

struct buf {
	unsigned char b[2048];
	size_t n;
};

static void put(struct buf *o, const void *p, size_t n)
{
	if (o->n + n <= sizeof o->b) {
		memcpy(o->b + o->n, p, n);
		o->n += n;
	}
}

static void tlv(struct buf *o, unsigned char tag, const void *c, size_t n)
{
	unsigned char h[4] = {tag};
	size_t hn = 2;
	if (n < 128)
		h[1] = (unsigned char)n;
	else {
		h[1] = 0x82;
		h[2] = (unsigned char)(n >> 8);
		h[3] = (unsigned char)n;
		hn = 4;
	}
	put(o, h, hn);
	put(o, c, n);
}

static void wrap(struct buf *o, unsigned char tag, const struct buf *inner)
{
	tlv(o, tag, inner->b, inner->n);
}

/* A certificate with serial (n bytes), the two times (tag and text) and
 * GeneralNames content sans (may be empty: no extension). */
static struct buf make_cert(const unsigned char *serial, size_t sn, unsigned char t1,
                            const char *v1, unsigned char t2, const char *v2,
                            const struct buf *sans)
{
	static const unsigned char v3[] = {0x02, 0x01, 0x02};
	static const unsigned char oid_san[] = {0x55, 0x1d, 0x11};
	static const unsigned char oid_bc[] = {0x55, 0x1d, 0x13};
	static const unsigned char bc[] = {0x30, 0x03, 0x01, 0x01, 0xff};
	struct buf tbs = {0}, validity = {0}, exts = {0}, ext = {0}, seq = {0}, tmp = {0},
	           cert = {0}, out = {0}, empty = {0};
	tlv(&tbs, 0xa0, v3, sizeof v3);
	tlv(&tbs, 0x02, serial, sn);
	wrap(&tbs, 0x30, &empty);
	wrap(&tbs, 0x30, &empty);
	tlv(&validity, t1, v1, strlen(v1));
	tlv(&validity, t2, v2, strlen(v2));
	wrap(&tbs, 0x30, &validity);
	wrap(&tbs, 0x30, &empty);
	wrap(&tbs, 0x30, &empty);
	if (sans->n) {
		tlv(&ext, 0x06, oid_san, sizeof oid_san);
		wrap(&tmp, 0x30, sans);
		wrap(&ext, 0x04, &tmp);
		wrap(&seq, 0x30, &ext);
		ext.n = 0;
		tlv(&ext, 0x06, oid_bc, sizeof oid_bc);
		tlv(&ext, 0x04, bc, sizeof bc);
		wrap(&seq, 0x30, &ext);
		wrap(&exts, 0x30, &seq);
		wrap(&tbs, 0xa3, &exts);
	}
	wrap(&cert, 0x30, &tbs);
	wrap(&cert, 0x30, &empty);
	tlv(&cert, 0x03, "\0", 1);
	wrap(&out, 0x30, &cert);
	return out;
}

static void test_built(void)
{
	static const unsigned char ser[] = {0x00, 0x00, 0x0a, 0xbc};
	static const unsigned char zero[] = {0x00};
	static const unsigned char neg[] = {0xff, 0x00};
	static const unsigned char ip4[] = {10, 1, 2, 3};
	static const unsigned char ip6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	                                    0,    0,    0,    0,    0, 0, 0, 1};
	struct buf sans = {0}, none = {0}, der;
	struct x509_cert c;
	struct mesh_error err;
	char when[32];

	tlv(&sans, 0x82, "web.example.com", 15);
	tlv(&sans, 0x86, "spiffe://td/ns/a/sa/b", 21);
	tlv(&sans, 0x87, ip4, sizeof ip4);
	tlv(&sans, 0x87, ip6, sizeof ip6);
	tlv(&sans, 0x87, ip4, 3); /* neither 4 nor 16 bytes: "" as Envoy gives */
	tlv(&sans, 0x81, "a@b.c", 5);
	tlv(&sans, 0xa4, "\x30\x00", 2); /* directoryName: not kept */

	/* UTCTime: YY >= 50 is 19YY, else 20YY; GeneralizedTime as written. */
	der = make_cert(ser, sizeof ser, 0x17, "500101000000Z", 0x18, "20491231235959Z", &sans);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == 0);
	CHECK_STR(c.serial, "0abc"); /* leading zero bytes dropped, not nibbles */
	CHECK(x509_time_rfc3339(c.not_before, when, sizeof when) == 0);
	CHECK_STR(when, "1950-01-01T00:00:00Z");
	CHECK(x509_time_rfc3339(c.not_after, when, sizeof when) == 0);
	CHECK_STR(when, "2049-12-31T23:59:59Z");
	CHECK(c.is_ca);
	CHECK(c.san_count == 6);
	if (c.san_count == 6) {
		CHECK(c.sans[0].type == X509_SAN_DNS);
		CHECK_STR(c.sans[0].value, "web.example.com");
		CHECK(c.sans[1].type == X509_SAN_URI);
		CHECK_STR(c.sans[1].value, "spiffe://td/ns/a/sa/b");
		CHECK(c.sans[2].type == X509_SAN_IP);
		CHECK_STR(c.sans[2].value, "10.1.2.3");
		CHECK_STR(c.sans[3].value, "2001:db8::1");
		CHECK_STR(c.sans[4].value, "");
		CHECK(c.sans[5].type == X509_SAN_EMAIL);
		CHECK_STR(c.sans[5].value, "a@b.c");
	}
	/* days: whole days left, 0 once expired */
	CHECK(x509_days_until_expiration(&c, c.not_after - 3 * 86400 - 5) == 3);
	CHECK(x509_days_until_expiration(&c, c.not_after - 86399) == 0);
	CHECK(x509_days_until_expiration(&c, c.not_after + 100) == 0);
	x509_cert_clear(&c);

	der = make_cert(ser, sizeof ser, 0x17, "490101000000Z", 0x17, "240229120000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == 0);
	CHECK(x509_time_rfc3339(c.not_before, when, sizeof when) == 0);
	CHECK_STR(when, "2049-01-01T00:00:00Z");
	CHECK(x509_time_rfc3339(c.not_after, when, sizeof when) == 0);
	CHECK_STR(when, "2024-02-29T12:00:00Z");
	CHECK(c.san_count == 0 && !c.is_ca);
	x509_cert_clear(&c);

	der = make_cert(zero, sizeof zero, 0x17, "490101000000Z", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == 0);
	CHECK_STR(c.serial, "0");
	x509_cert_clear(&c);
	der = make_cert(neg, sizeof neg, 0x17, "490101000000Z", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == 0);
	CHECK_STR(c.serial, "-0100");
	x509_cert_clear(&c);

	/* Bad times: not a leap year, month 13, local time, wrong tag. */
	der = make_cert(ser, sizeof ser, 0x17, "230229000000Z", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == -1);
	CHECK(strstr(err.message, "time") != NULL);
	der = make_cert(ser, sizeof ser, 0x17, "231301000000Z", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == -1);
	der = make_cert(ser, sizeof ser, 0x17, "2301010000000", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == -1);
	der = make_cert(ser, sizeof ser, 0x04, "230101000000Z", 0x17, "490101000000Z", &none);
	CHECK(parse_der_exact(der.b, der.n, &c, &err) == -1);
	CHECK(strstr(err.message, "UTCTime") != NULL);

	/* A serial longer than the limit. */
	{
		unsigned char big[X509_SERIAL_MAX_BYTES + 2];
		memset(big, 0x11, sizeof big);
		der =
		    make_cert(big, sizeof big, 0x17, "490101000000Z", 0x17, "490101000000Z", &none);
		CHECK(parse_der_exact(der.b, der.n, &c, &err) == -1);
		CHECK(strstr(err.message, "serial") != NULL);
		big[0] = 0; /* one leading zero byte: the value fits */
		der = make_cert(big, X509_SERIAL_MAX_BYTES + 1, 0x17, "490101000000Z", 0x17,
		                "490101000000Z", &none);
		CHECK(parse_der_exact(der.b, der.n, &c, &err) == 0);
		CHECK(strlen(c.serial) == 2 * X509_SERIAL_MAX_BYTES);
		x509_cert_clear(&c);
	}

	/* An indefinite length and a 5-byte length form. */
	{
		static const unsigned char indef[] = {0x30, 0x80, 0x00, 0x00};
		static const unsigned char five[] = {0x30, 0x85, 1, 0, 0, 0, 0};
		static const unsigned char hightag[] = {0x1f, 0x01, 0x00};
		CHECK(parse_der_exact(indef, sizeof indef, &c, &err) == -1);
		CHECK(strstr(err.message, "length") != NULL);
		CHECK(parse_der_exact(five, sizeof five, &c, &err) == -1);
		CHECK(parse_der_exact(hightag, sizeof hightag, &c, &err) == -1);
		CHECK(parse_der_exact("", 0, &c, &err) == -1);
	}
}

static void test_base64_and_pem(void)
{
	unsigned char *out;
	size_t n, pos;
	struct mesh_error err;
	struct x509_cert c;
	CHECK(x509_base64_decode("QUJD", 4, &out, &n, &err) == 0);
	CHECK(n == 3 && memcmp(out, "ABC", 3) == 0);
	free(out);
	CHECK(x509_base64_decode("QU\r\nI=", 6, &out, &n, &err) == 0);
	CHECK(n == 2 && memcmp(out, "AB", 2) == 0);
	free(out);
	CHECK(x509_base64_decode("QQ==", 4, &out, &n, &err) == 0);
	CHECK(n == 1 && out[0] == 'A');
	free(out);
	CHECK(x509_base64_decode("", 0, &out, &n, &err) == 0 && n == 0);
	free(out);
	CHECK(x509_base64_decode("QU@D", 4, &out, &n, &err) == -1 && out == NULL);
	CHECK(err.offset == 2);
	CHECK(strstr(err.message, "invalid character") != NULL);
	CHECK(x509_base64_decode("QQ=A", 4, &out, &n, &err) == -1);
	CHECK(x509_base64_decode("Q===", 4, &out, &n, &err) == -1);
	CHECK(x509_base64_decode("QUJDR", 5, &out, &n, &err) == -1);
	CHECK(strstr(err.message, "truncated") != NULL);

	/* PEM: no END line, a bad body, no certificate block at all, a key
	 * block skipped before a (broken) certificate. */
	{
		static const char no_end[] = "-----BEGIN CERTIFICATE-----\nQUJD\n";
		static const char bad_body[] =
		    "-----BEGIN CERTIFICATE-----\nQU*D\n-----END CERTIFICATE-----\n";
		static const char key_only[] =
		    "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE "
		    "KEY-----\n";
		static const char not_der[] = "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE "
		                              "KEY-----\n-----BEGIN CERTIFICATE-----\nQUJD\n-----"
		                              "END CERTIFICATE-----\n";
		CHECK(parse_exact(no_end, sizeof no_end - 1, &c, &err) == -1);
		CHECK(strstr(err.message, "END CERTIFICATE") != NULL);
		CHECK(parse_exact(bad_body, sizeof bad_body - 1, &c, &err) == -1);
		CHECK(err.offset == 30); /* the '*', counted in the PEM text */
		CHECK(parse_exact(key_only, sizeof key_only - 1, &c, &err) == -1);
		CHECK(strstr(err.message, "no CERTIFICATE block") != NULL);
		CHECK(parse_exact(not_der, sizeof not_der - 1, &c, &err) == -1);
		pos = 0;
		CHECK(x509_pem_next(key_only, sizeof key_only - 1, &pos, &out, &n, &err) == 0);
		CHECK(out == NULL);
	}
}

/* xorshift64: a fixed sequence, so a failure can be replayed. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_random_blob(void)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = 10u << 20, n;
	unsigned char *blob = malloc(len), *out;
	uint64_t s = 0x9e3779b97f4a7c15u;
	struct x509_cert c;
	struct mesh_error err;
	for (size_t i = 0; i < len; i++)
		blob[i] = (unsigned char)next_random(&s);
	blob[0] = 0x30; /* looks like a SEQUENCE: the DER path reads it */
	CHECK(x509_parse(blob, len, &c, &err) == -1);
	CHECK(err.message[0] != 0);
	CHECK(x509_base64_decode((const char *)blob, len, &out, &n, &err) == -1);
	/* 10 MB of valid base64 decodes; its bytes are no certificate. */
	for (size_t i = 0; i < len; i++)
		blob[i] = (unsigned char)alphabet[next_random(&s) % 64];
	CHECK(x509_base64_decode((const char *)blob, len, &out, &n, &err) == 0);
	CHECK(n == len / 4 * 3);
	if (out) {
		out[0] = 0x30;
		CHECK(x509_parse_der(out, n, &c, &err) == -1);
		free(out);
	}
	free(blob);
}

int main(void)
{
	char small[8];
	test_fixture("istio", 2);
	test_fixture("spire", 3);
	test_chain_and_damage();
	test_built();
	test_base64_and_pem();
	test_random_blob();
	CHECK(x509_time_rfc3339(0, small, sizeof small) == -1);
	return check_summary("x509");
}
