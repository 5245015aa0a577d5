/* x509: a small reader of X.509 certificates (RFC 5280), enough for the
 * admin page /certs and the tools that report certificates: the serial
 * number, the validity dates, CA or not, and the subject alternative names.
 * Also base64 (RFC 4648) and PEM armor (RFC 7468) decoding, since dumps carry
 * certificates as base64 of PEM text. No OpenSSL: every DER length is checked
 * against what is left, so bad bytes give an error, never an overread.
 * Signatures are not checked (nothing here trusts a certificate). No Lua. */
#ifndef MESHLUA_X509_H
#define MESHLUA_X509_H

#include <stddef.h>
#include <time.h>

#include "meshlua/error.h"

/* The longest serial number accepted, in bytes (RFC 5280 allows 20; some
 * issuers write a few more). */
#define X509_SERIAL_MAX_BYTES 64

enum x509_san_type {
	X509_SAN_DNS,   /* dNSName [2] */
	X509_SAN_URI,   /* uniformResourceIdentifier [6]: "spiffe://td/ns/x/sa/y" */
	X509_SAN_IP,    /* iPAddress [7], as text: "10.0.0.1", "2001:db8::1" */
	X509_SAN_EMAIL, /* rfc822Name [1] */
};

struct x509_san {
	enum x509_san_type type;
	char *value; /* NUL-terminated; an iPAddress of neither 4 nor 16 bytes is "" */
};

struct x509_cert {
	/* The serial as Envoy prints it (BoringSSL's BN_bn2hex): lowercase hex
	 * of the value without leading zero bytes, "0" for zero, '-' first when
	 * negative. */
	char serial[2 * X509_SERIAL_MAX_BYTES + 2];
	time_t not_before; /* Unix seconds (UTCTime or GeneralizedTime) */
	time_t not_after;
	int is_ca;             /* basicConstraints cA is TRUE */
	struct x509_san *sans; /* the subjectAltName extension, in certificate order */
	size_t san_count;
};

/* Decodes base64 text (standard or URL-safe alphabet; ASCII blanks and line
 * breaks skipped; '=' padding only at the end) into a malloc'd buffer *out
 * of *out_len bytes (the caller frees it; NUL-terminated for convenience,
 * the NUL not counted). Returns 0, or -1 with err (offset: the byte of text
 * at fault) and *out NULL: a character outside the alphabet, data after
 * padding, a lone final character, or no memory. */
int x509_base64_decode(const char *text, size_t len, unsigned char **out, size_t *out_len,
                       struct mesh_error *err);

/* Finds the next "-----BEGIN CERTIFICATE-----" block of PEM text at or
 * after *pos and decodes its base64 body into a malloc'd DER buffer *der of
 * *der_len bytes (the caller frees it); *pos moves past the END line.
 * Other PEM blocks (keys, CRLs) are skipped. Returns 1 when one was found,
 * 0 when there is none left, -1 with err (offset into text) when the block
 * has no END line or its body is not base64. */
int x509_pem_next(const char *text, size_t len, size_t *pos, unsigned char **der, size_t *der_len,
                  struct mesh_error *err);

/* Reads one DER certificate that fills der exactly into *cert (emptied
 * first; release it with x509_cert_clear). Returns 0, or -1 with err
 * (offset: the DER byte at fault) and *cert empty: truncated or overlong
 * elements, wrong tags, an unsupported length form, a bad time, a serial
 * longer than X509_SERIAL_MAX_BYTES, trailing bytes, or no memory. */
int x509_parse_der(const unsigned char *der, size_t len, struct x509_cert *cert,
                   struct mesh_error *err);

/* The first certificate of data, which is PEM text (it contains
 * "-----BEGIN ") or DER: what Envoy loads from a certificate chain or a
 * CA bundle. Returns 0, or -1 with err and *cert empty (no certificate in
 * the PEM text, or as x509_pem_next and x509_parse_der). */
int x509_parse(const void *data, size_t len, struct x509_cert *cert, struct mesh_error *err);

/* Frees what cert holds and empties it. Safe on an emptied cert. */
void x509_cert_clear(struct x509_cert *cert);

/* Envoy's days_until_expiration at time now: whole days from now to
 * not_after, rounded down; 0 once expired. */
long long x509_days_until_expiration(const struct x509_cert *cert, time_t now);

/* Writes t as RFC 3339 in UTC, as protobuf's JSON mapping prints a
 * Timestamp with no fraction: "2021-01-01T00:00:00Z". Returns 0, or -1
 * when buf (cap bytes, 21 needed) is too small or t is out of range. */
int x509_time_rfc3339(time_t t, char *buf, size_t cap);

#endif
