/* X.509 certificates without OpenSSL (see x509.h): base64, PEM armor, and a
 * bounded DER walk over the few TBSCertificate fields the tools report.
 * Every element is read through der_next, which checks its length against
 * what its parent has left. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "meshlua/x509.h"

static void fail(struct mesh_error *err, size_t offset, const char *what)
{
	mesh_error_set(err, "certificate", 0, 0, "%s", what);
	if (err)
		err->offset = (long)offset;
}

/* --- base64 and PEM --- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

int x509_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len,
                       struct mesh_error *err)
{
	unsigned char *buf = malloc(len / 4 * 3 + 4);
	size_t n = 0, pad = 0, digits = 0;
	uint32_t bits = 0;
	*out = NULL;
	*out_len = 0;
	if (!buf) {
		fail(err, 0, "out of memory decoding base64");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		int v;
		if (is_blank(c))
			continue;
		if (c == '=') {
			pad++;
			if (pad > 2 || digits % 4 < 2 || digits % 4 + pad > 4) {
				free(buf);
				fail(err, i, "bad base64 padding");
				return -1;
			}
			continue;
		}
		v = b64_value(c);
		if (v < 0 || pad) {
			free(buf);
			fail(err, i,
			     pad ? "base64 data after padding"
			         : "invalid character in base64 text");
			return -1;
		}
		bits = bits << 6 | (uint32_t)v;
		if (++digits % 4 == 0) {
			buf[n++] = (unsigned char)(bits >> 16);
			buf[n++] = (unsigned char)(bits >> 8);
			buf[n++] = (unsigned char)bits;
			bits = 0;
		}
	}
	switch (digits % 4) {
	case 1:
		free(buf);
		fail(err, len, "truncated base64 text");
		return -1;
	case 2:
		buf[n++] = (unsigned char)(bits >> 4);
		break;
	case 3:
		buf[n++] = (unsigned char)(bits >> 10);
		buf[n++] = (unsigned char)(bits >> 2);
		break;
	}
	buf[n] = 0;
	*out = buf;
	*out_len = n;
	return 0;
}

/* The first occurrence of needle (nlen bytes) in hay[from, len), or len. */
static size_t find(const char *hay, size_t len, size_t from, const char *needle, size_t nlen)
{
	for (size_t i = from; i + nlen <= len && i + nlen > i; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
			return i;
	return len;
}

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

int x509_pem_next(const char *text, size_t len, size_t *pos, unsigned char **der, size_t *der_len,
                  struct mesh_error *err)
{
	size_t begin, body, end;
	*der = NULL;
	*der_len = 0;
	if (*pos >= len)
		return 0;
	begin = find(text, len, *pos, pem_begin, sizeof pem_begin - 1);
	if (begin == len) {
		*pos = len;
		return 0;
	}
	body = begin + sizeof pem_begin - 1;
	end = find(text, len, body, pem_end, sizeof pem_end - 1);
	if (end == len) {
		fail(err, begin, "PEM certificate without an END CERTIFICATE line");
		return -1;
	}
	if (x509_base64_decode(text + body, end - body, der, der_len, err) != 0) {
		if (err)
			err->offset += (long)body;
		return -1;
	}
	*pos = end + sizeof pem_end - 1;
	return 1;
}

/* --- DER --- */

/* A window of DER bytes: [p, p + len), at offset off of the whole input. */
struct der {
	const unsigned char *p;
	size_t len;
	size_t off;
};

/* Reads the next element of d into *el (its content) and *tag, and moves d
 * past it. Only one-byte tags and definite lengths of up to 4 bytes (as DER
 * requires; certificates never need more). */
static int der_next(struct der *d, unsigned *tag, struct der *el, struct mesh_error *err)
{
	size_t hdr = 2, n;
	if (d->len < 2) {
		fail(err, d->off, "truncated DER element");
		return -1;
	}
	*tag = d->p[0];
	if ((*tag & 0x1f) == 0x1f) {
		fail(err, d->off, "unsupported DER tag");
		return -1;
	}
	n = d->p[1];
	if (n & 0x80) {
		size_t bytes = n & 0x7f;
		if (bytes == 0 || bytes > 4) {
			fail(err, d->off + 1, "unsupported DER length");
			return -1;
		}
		if (d->len < 2 + bytes) {
			fail(err, d->off + 1, "truncated DER length");
			return -1;
		}
		n = 0;
		for (size_t i = 0; i < bytes; i++)
			n = n << 8 | d->p[2 + i];
		hdr += bytes;
	}
	if (n > d->len - hdr) {
		fail(err, d->off + 1, "DER length runs past the end of its container");
		return -1;
	}
	el->p = d->p + hdr;
	el->len = n;
	el->off = d->off + hdr;
	d->p += hdr + n;
	d->len -= hdr + n;
	d->off += hdr + n;
	return 0;
}

/* As der_next, also requiring the tag want. */
static int der_expect(struct der *d, unsigned want, struct der *el, const char *what,
                      struct mesh_error *err)
{
	unsigned tag;
	size_t at = d->off;
	if (der_next(d, &tag, el, err) != 0)
		return -1;
	if (tag != want) {
		char msg[96];
		snprintf(msg, sizeof msg, "expected %s (tag 0x%02x), found tag 0x%02x", what, want,
		         tag);
		fail(err, at, msg);
		return -1;
	}
	return 0;
}

/* Serial: BN_bn2hex of the INTEGER's value. */
static int read_serial(const struct der *el, char *out, struct mesh_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mag[X509_SERIAL_MAX_BYTES + 1];
	size_t n = el->len, i = 0;
	int neg;
	char *o = out;
	if (n == 0) {
		fail(err, el->off, "empty serial number");
		return -1;
	}
	if (n > X509_SERIAL_MAX_BYTES + 1) {
		fail(err, el->off, "serial number too long");
		return -1;
	}
	neg = el->p[0] & 0x80;
	memcpy(mag, el->p, n);
	if (neg) { /* two's complement: the magnitude is ~x + 1 */
		unsigned carry = 1;
		for (size_t k = n; k-- > 0;) {
			unsigned v = (unsigned)(unsigned char)~mag[k] + carry;
			mag[k] = (unsigned char)v;
			carry = v >> 8;
		}
		*o++ = '-';
	}
	while (i < n && mag[i] == 0)
		i++;
	if (n - i > X509_SERIAL_MAX_BYTES) {
		fail(err, el->off, "serial number too long");
		return -1;
	}
	if (i == n) {
		strcpy(out, "0");
		return 0;
	}
	for (; i < n; i++) {
		*o++ = hex[mag[i] >> 4];
		*o++ = hex[mag[i] & 15];
	}
	*o = 0;
	return 0;
}

static int digits(const unsigned char *p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static long long days_from_civil(long long y, int m, int d)
{
	long long era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* UTCTime YYMMDDHHMMSSZ (YY < 50: 20YY, RFC 5280 4.1.2.5.1) or
 * GeneralizedTime YYYYMMDDHHMMSSZ, the only forms RFC 5280 allows. */
static int read_time(unsigned tag, const struct der *el, time_t *out, struct mesh_error *err)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	const unsigned char *p = el->p;
	int y, mo, d, h, mi, s, ylen = tag == 0x17 ? 2 : 4;
	if (tag != 0x17 && tag != 0x18) {
		fail(err, el->off, "expected UTCTime or GeneralizedTime");
		return -1;
	}
	if (el->len != (size_t)ylen + 11 || p[el->len - 1] != 'Z') {
		fail(err, el->off, "bad certificate time");
		return -1;
	}
	y = digits(p, ylen);
	mo = digits(p + ylen, 2);
	d = digits(p + ylen + 2, 2);
	h = digits(p + ylen + 4, 2);
	mi = digits(p + ylen + 6, 2);
	s = digits(p + ylen + 8, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || s < 0 || s > 59) {
		fail(err, el->off, "bad certificate time");
		return -1;
	}
	if (tag == 0x17)
		y += y < 50 ? 2000 : 1900;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) {
		fail(err, el->off, "bad certificate time");
		return -1;
	}
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
	return 0;
}

static int add_san(struct x509_cert *c, enum x509_san_type type, const unsigned char *p, size_t n,
                   struct mesh_error *err)
{
	struct x509_san *sans = realloc(c->sans, (c->san_count + 1) * sizeof *sans);
	char *v;
	if (!sans) {
		fail(err, 0, "out of memory");
		return -1;
	}
	c->sans = sans;
	if (type == X509_SAN_IP) {
		char text[INET6_ADDRSTRLEN] = "";
		if (n == 4 || n == 16)
			inet_ntop(n == 4 ? AF_INET : AF_INET6, p, text, sizeof text);
		v = strdup(text);
	} else {
		v = malloc(n + 1);
		if (v) {
			memcpy(v, p, n);
			v[n] = 0;
		}
	}
	if (!v) {
		fail(err, 0, "out of memory");
		return -1;
	}
	sans[c->san_count].type = type;
	sans[c->san_count].value = v;
	c->san_count++;
	return 0;
}

/* GeneralNames ::= SEQUENCE OF GeneralName; keeps DNS, URI, IP and email. */
static int read_sans(struct x509_cert *c, struct der v, struct mesh_error *err)
{
	struct der names, name;
	unsigned tag;
	if (der_expect(&v, 0x30, &names, "GeneralNames", err) != 0)
		return -1;
	while (names.len > 0) {
		if (der_next(&names, &tag, &name, err) != 0)
			return -1;
		int r = 0;
		if (tag == 0x81)
			r = add_san(c, X509_SAN_EMAIL, name.p, name.len, err);
		else if (tag == 0x82)
			r = add_san(c, X509_SAN_DNS, name.p, name.len, err);
		else if (tag == 0x86)
			r = add_san(c, X509_SAN_URI, name.p, name.len, err);
		else if (tag == 0x87)
			r = add_san(c, X509_SAN_IP, name.p, name.len, err);
		if (r != 0)
			return -1;
	}
	return 0;
}

/* BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, ... } */
static int read_basic_constraints(struct x509_cert *c, struct der v, struct mesh_error *err)
{
	struct der seq, el;
	unsigned tag;
	if (der_expect(&v, 0x30, &seq, "BasicConstraints", err) != 0)
		return -1;
	if (seq.len > 0) {
		if (der_next(&seq, &tag, &el, err) != 0)
			return -1;
		if (tag == 0x01 && el.len == 1 && el.p[0] != 0)
			c->is_ca = 1;
	}
	return 0;
}

static int read_extensions(struct x509_cert *c, struct der exts_tagged, struct mesh_error *err)
{
	static const unsigned char oid_san[] = {0x55, 0x1d, 0x11};
	static const unsigned char oid_bc[] = {0x55, 0x1d, 0x13};
	struct der exts, ext, oid, el, value;
	unsigned tag;
	int seen_san = 0;
	if (der_expect(&exts_tagged, 0x30, &exts, "Extensions", err) != 0)
		return -1;
	while (exts.len > 0) {
		if (der_expect(&exts, 0x30, &ext, "Extension", err) != 0 ||
		    der_expect(&ext, 0x06, &oid, "extension OID", err) != 0)
			return -1;
		value.len = 0;
		while (ext.len > 0) { /* critical BOOLEAN (optional), then extnValue */
			if (der_next(&ext, &tag, &el, err) != 0)
				return -1;
			if (tag == 0x04)
				value = el;
		}
		if (value.len == 0)
			continue;
		if (oid.len == 3 && memcmp(oid.p, oid_san, 3) == 0 && !seen_san) {
			seen_san = 1;
			if (read_sans(c, value, err) != 0)
				return -1;
		} else if (oid.len == 3 && memcmp(oid.p, oid_bc, 3) == 0) {
			if (read_basic_constraints(c, value, err) != 0)
				return -1;
		}
	}
	return 0;
}

static int read_tbs(struct x509_cert *c, struct der tbs, struct mesh_error *err)
{
	struct der el, validity;
	unsigned tag;
	size_t at = tbs.off;
	if (der_next(&tbs, &tag, &el, err) != 0)
		return -1;
	if (tag == 0xa0) { /* version [0] EXPLICIT */
		at = tbs.off;
		if (der_next(&tbs, &tag, &el, err) != 0)
			return -1;
	}
	if (tag != 0x02) {
		fail(err, at, "expected the serial number INTEGER");
		return -1;
	}
	if (read_serial(&el, c->serial, err) != 0 ||
	    der_expect(&tbs, 0x30, &el, "signature AlgorithmIdentifier", err) != 0 ||
	    der_expect(&tbs, 0x30, &el, "issuer Name", err) != 0 ||
	    der_expect(&tbs, 0x30, &validity, "Validity", err) != 0)
		return -1;
	if (der_next(&validity, &tag, &el, err) != 0 ||
	    read_time(tag, &el, &c->not_before, err) != 0 ||
	    der_next(&validity, &tag, &el, err) != 0 ||
	    read_time(tag, &el, &c->not_after, err) != 0)
		return -1;
	if (der_expect(&tbs, 0x30, &el, "subject Name", err) != 0 ||
	    der_expect(&tbs, 0x30, &el, "SubjectPublicKeyInfo", err) != 0)
		return -1;
	while (tbs.len > 0) { /* issuerUniqueID [1], subjectUniqueID [2], extensions [3] */
		if (der_next(&tbs, &tag, &el, err) != 0)
			return -1;
		if (tag == 0xa3 && read_extensions(c, el, err) != 0)
			return -1;
	}
	return 0;
}

void x509_cert_clear(struct x509_cert *cert)
{
	for (size_t i = 0; i < cert->san_count; i++)
		free(cert->sans[i].value);
	free(cert->sans);
	memset(cert, 0, sizeof *cert);
}

int x509_parse_der(const unsigned char *der, size_t len, struct x509_cert *cert,
                   struct mesh_error *err)
{
	struct der all = {der, len, 0}, certificate, tbs;
	memset(cert, 0, sizeof *cert);
	if (der_expect(&all, 0x30, &certificate, "Certificate SEQUENCE", err) != 0)
		goto bad;
	if (all.len != 0) {
		fail(err, all.off, "trailing bytes after the certificate");
		goto bad;
	}
	if (der_expect(&certificate, 0x30, &tbs, "TBSCertificate", err) != 0 ||
	    read_tbs(cert, tbs, err) != 0)
		goto bad;
	return 0;
bad:
	x509_cert_clear(cert);
	return -1;
}

int x509_parse(const void *data, size_t len, struct x509_cert *cert, struct mesh_error *err)
{
	const char *text = data;
	unsigned char *der;
	size_t der_len, pos = 0;
	int r;
	memset(cert, 0, sizeof *cert);
	if (find(text, len, 0, "-----BEGIN ", 11) == len)
		return x509_parse_der(data, len, cert, err);
	r = x509_pem_next(text, len, &pos, &der, &der_len, err);
	if (r == 0)
		fail(err, 0, "no CERTIFICATE block in the PEM text");
	if (r != 1)
		return -1;
	r = x509_parse_der(der, der_len, cert, err);
	free(der);
	return r;
}

long long x509_days_until_expiration(const struct x509_cert *cert, time_t now)
{
	/* ASN1_TIME_diff's whole days; Envoy reports 0 once it is negative. */
	long long diff = (long long)cert->not_after - (long long)now;
	return diff < 0 ? 0 : diff / 86400;
}

int x509_time_rfc3339(time_t t, char *buf, size_t cap)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
		return -1;
	if (strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -1;
	return 0;
}
