/* The SDS secrets of a sidecar as its SecretsConfigDump shows them:
 * "default" (the workload certificate: SPIFFE identity
 * spiffe://<domain>/ns/<ns>/sa/<service account>, valid 24 hours from two
 * minutes before the pod started, as istio-agent requests it) and "ROOTCA"
 * (the mesh root, O=<domain>, ten years from the mesh's start). The
 * certificates are real DER structures (X.509 v3, ECDSA P-256 with SHA-256
 * as Istio's CA issues, serials derived from the pod) so every tool that
 * reads a dump can parse them, but the simulated mesh has no CA keys: the
 * public keys and signatures are placeholder bytes that verify against
 * nothing. The private key is "[redacted]", as Envoy prints it. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "synth_int.h"

struct der {
	unsigned char buf[2048];
	size_t len;
	int overflow;
};

static void put(struct der *d, const void *p, size_t n)
{
	if (d->len + n > sizeof d->buf) {
		d->overflow = 1;
		return;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

/* Appends tag, length and the content c (n bytes). */
static void tlv(struct der *d, unsigned char tag, const void *c, size_t n)
{
	unsigned char hdr[4];
	size_t h = 0;
	hdr[h++] = tag;
	if (n < 128) {
		hdr[h++] = (unsigned char)n;
	} else if (n < 256) {
		hdr[h++] = 0x81;
		hdr[h++] = (unsigned char)n;
	} else {
		hdr[h++] = 0x82;
		hdr[h++] = (unsigned char)(n >> 8);
		hdr[h++] = (unsigned char)n;
	}
	put(d, hdr, h);
	put(d, c, n);
}

static void wrap(struct der *out, unsigned char tag, const struct der *in)
{
	tlv(out, tag, in->buf, in->len);
}

static const unsigned char oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const unsigned char oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const unsigned char oid_prime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const unsigned char oid_org[] = {0x55, 0x04, 0x0a};
static const unsigned char oid_san[] = {0x55, 0x1d, 0x11};
static const unsigned char oid_basic[] = {0x55, 0x1d, 0x13};

static void alg_ecdsa(struct der *d)
{
	struct der a = {{0}, 0, 0};
	tlv(&a, 0x06, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
	wrap(d, 0x30, &a);
}

static void name_org(struct der *d, const char *org)
{
	struct der atv = {{0}, 0, 0}, set = {{0}, 0, 0}, seq = {{0}, 0, 0};
	tlv(&atv, 0x06, oid_org, sizeof oid_org);
	tlv(&atv, 0x0c, org, strlen(org));
	wrap(&set, 0x30, &atv);
	wrap(&seq, 0x31, &set);
	wrap(d, 0x30, &seq);
}

static void utc_time(struct der *d, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char text[32];
	gmtime_r(&tt, &tm);
	if (tm.tm_year + 1900 >= 2050) {
		strftime(text, sizeof text, "%Y%m%d%H%M%SZ", &tm);
		tlv(d, 0x18, text, strlen(text));
	} else {
		strftime(text, sizeof text, "%y%m%d%H%M%SZ", &tm);
		tlv(d, 0x17, text, strlen(text));
	}
}

/* Placeholder key/signature bytes: a deterministic stream from seed. */
static void filler(unsigned char *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		p[i] = (unsigned char)seed;
	}
}

/* A certificate: serial (16 bytes), issuer O=org, validity, subject
 * (O=org for a CA, empty otherwise), SPIFFE URI SAN (NULL: none). */
static int certificate(struct der *out, uint64_t seed, const char *org, int ca, int64_t not_before,
                       int64_t not_after, const char *uri)
{
	struct der tbs = {{0}, 0, 0}, tmp = {{0}, 0, 0}, spki = {{0}, 0, 0}, alg = {{0}, 0, 0};
	struct der cert = {{0}, 0, 0};
	unsigned char serial[16], key[66], sig[72];
	static const unsigned char v3[] = {0x02, 0x01, 0x02};
	filler(serial, sizeof serial, seed);
	serial[0] &= 0x7f; /* a positive INTEGER */
	if (serial[0] == 0)
		serial[0] = 1;
	tlv(&tbs, 0xa0, v3, sizeof v3);
	tlv(&tbs, 0x02, serial, sizeof serial);
	alg_ecdsa(&tbs);
	name_org(&tbs, org);
	utc_time(&tmp, not_before);
	utc_time(&tmp, not_after);
	wrap(&tbs, 0x30, &tmp);
	if (ca) {
		name_org(&tbs, org);
	} else {
		tlv(&tbs, 0x30, "", 0);
	}
	tlv(&alg, 0x06, oid_ec_public_key, sizeof oid_ec_public_key);
	tlv(&alg, 0x06, oid_prime256v1, sizeof oid_prime256v1);
	wrap(&spki, 0x30, &alg);
	key[0] = 0x00; /* no unused bits */
	key[1] = 0x04; /* uncompressed point */
	filler(key + 2, 64, seed ^ 0x9e3779b97f4a7c15ULL);
	tlv(&spki, 0x03, key, 66);
	wrap(&tbs, 0x30, &spki);
	{
		struct der exts = {{0}, 0, 0}, ext = {{0}, 0, 0}, inner = {{0}, 0, 0};
		struct der bc = {{0}, 0, 0};
		static const unsigned char t[] = {0x01, 0x01, 0xff};
		if (ca) {
			static const unsigned char yes[] = {0x01, 0x01, 0xff};
			tlv(&ext, 0x06, oid_basic, sizeof oid_basic);
			put(&ext, t, sizeof t);
			put(&bc, yes, sizeof yes);
			memset(&inner, 0, sizeof inner);
			wrap(&inner, 0x30, &bc);
			tlv(&ext, 0x04, inner.buf, inner.len);
			wrap(&exts, 0x30, &ext);
		}
		if (uri) {
			struct der names = {{0}, 0, 0}, san = {{0}, 0, 0};
			memset(&ext, 0, sizeof ext);
			tlv(&names, 0x86, uri, strlen(uri));
			wrap(&san, 0x30, &names);
			tlv(&ext, 0x06, oid_san, sizeof oid_san);
			put(&ext, t, sizeof t);
			tlv(&ext, 0x04, san.buf, san.len);
			wrap(&exts, 0x30, &ext);
		}
		if (exts.len) {
			struct der seq = {{0}, 0, 0};
			wrap(&seq, 0x30, &exts);
			wrap(&tbs, 0xa3, &seq);
		}
	}
	wrap(&cert, 0x30, &tbs);
	alg_ecdsa(&cert);
	sig[0] = 0x00;
	filler(sig + 1, sizeof sig - 1, seed ^ 0x5851f42d4c957f2dULL);
	tlv(&cert, 0x03, sig, sizeof sig);
	memset(out, 0, sizeof *out);
	wrap(out, 0x30, &cert);
	return out->overflow || tbs.overflow || cert.overflow ? -1 : 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Base64 of n bytes at p into out (cap bytes), with a newline every 64
 * characters when wrap is set. Returns the length. */
static size_t base64(const unsigned char *p, size_t n, char *out, size_t cap, int wrapped)
{
	size_t o = 0, col = 0;
	for (size_t i = 0; i < n && o + 6 < cap; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
		col += 4;
		if (wrapped && col == 64 && i + 3 < n) {
			out[o++] = '\n';
			col = 0;
		}
	}
	out[o] = '\0';
	return o;
}

/* The inline_bytes of a PEM certificate: base64 of the PEM text. */
static const char *pem_inline(struct synth *s, const struct der *cert)
{
	char body[4096], pem[4400], *enc;
	size_t plen;
	base64(cert->buf, cert->len, body, sizeof body, 1);
	plen = (size_t)snprintf(
	    pem, sizeof pem, "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n", body);
	if (plen >= sizeof pem)
		return "";
	enc = arena_alloc(s->jb.a, plen * 2 + 8);
	if (!enc) {
		s->jb.oom = 1;
		return "";
	}
	base64((const unsigned char *)pem, plen, enc, plen * 2 + 8, 0);
	return enc;
}

static void add_secret(struct synth *s, const char *name, struct node *secret, const char *stamp)
{
	struct jb *b = &s->jb;
	struct node *e = jb_map(b);
	jb_set_lit(b, e, "name", name);
	jb_set_lit(b, e, "version_info", stamp);
	jb_set_lit(b, e, "last_updated", s->last_updated);
	jb_set(b, e, "secret", secret);
	jb_push(b, s->secrets, e);
}

int secrets_build(struct synth *s)
{
	struct jb *b = &s->jb;
	struct der cert;
	struct node *sec, *tc;
	int64_t start = mesh_options(s->m)->start_time, born = s->pod->created - 120;
	const char *sa =
	    s->pod->pod->spec.service_account ? s->pod->pod->spec.service_account : "default";
	const char *uri = jb_fmt(b, "spiffe://%s/ns/%s/sa/%s", s->domain, s->ns, sa);
	if (certificate(&cert, strmap_hash(uri) ^ (uint64_t)s->pod->uid, s->domain, 0, born,
	                born + 24 * 3600, uri) != 0)
		return synth_fail(s, "certificate too large");
	sec = jb_typed(b, "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret");
	jb_set_lit(b, sec, "name", "default");
	tc = jb_set_map(b, sec, "tls_certificate");
	jb_set_lit(b, jb_set_map(b, tc, "certificate_chain"), "inline_bytes", pem_inline(s, &cert));
	jb_set_lit(b, jb_set_map(b, tc, "private_key"), "inline_bytes", "W3JlZGFjdGVkXQ==");
	add_secret(s, "default", sec, s->last_updated);
	if (certificate(&cert, strmap_hash(s->domain), s->domain, 1, start,
	                start + 10LL * 365 * 24 * 3600, NULL) != 0)
		return synth_fail(s, "certificate too large");
	sec = jb_typed(b, "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret");
	jb_set_lit(b, sec, "name", "ROOTCA");
	jb_set_lit(b, jb_set_map(b, jb_set_map(b, sec, "validation_context"), "trusted_ca"),
	           "inline_bytes", pem_inline(s, &cert));
	add_secret(s, "ROOTCA", sec, s->last_updated);
	return synth_check(s);
}
