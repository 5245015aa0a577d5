/* Address and port allocation for the simulated cluster: pod IPs from the
 * pod CIDR (as the host-local IPAM plugin hands them out: in order, after
 * the last one given, wrapping around), Service cluster IPs from the
 * service CIDR, node ports from 30000-32767. Deterministic by design. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mesh_internal.h"

/* Parses a dotted IPv4 address. Returns 0 or -1. */
static int parse_ipv4(const char *s, uint32_t *out)
{
	unsigned a, b, c, d;
	char tail;
	if (sscanf(s, "%3u.%3u.%3u.%3u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
	    c > 255 || d > 255)
		return -1;
	*out = (a << 24) | (b << 16) | (c << 8) | d;
	return 0;
}

int ipam_init_cidr(struct ipam *p, const char *cidr, uint32_t first, struct mesh_error *err)
{
	char addr[32];
	const char *slash = strchr(cidr, '/');
	char *end;
	long prefix;
	uint32_t ip, mask;
	memset(p, 0, sizeof *p);
	if (!slash || (size_t)(slash - cidr) >= sizeof addr) {
		mesh_error_set(err, NULL, 0, 0, "invalid CIDR \"%s\": expected a.b.c.d/n", cidr);
		return -1;
	}
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	prefix = strtol(slash + 1, &end, 10);
	if (parse_ipv4(addr, &ip) != 0 || *end || end == slash + 1) {
		mesh_error_set(err, NULL, 0, 0, "invalid CIDR \"%s\": expected a.b.c.d/n", cidr);
		return -1;
	}
	if (prefix < 8 || prefix > 30) {
		mesh_error_set(err, NULL, 0, 0,
		               "CIDR \"%s\": the prefix length must be between 8 and 30", cidr);
		return -1;
	}
	mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
	p->base = ip & mask;
	p->size = (uint32_t)1 << (32 - prefix);
	p->first = first;
	p->next = first;
	p->bits = calloc(p->size / 8 ? p->size / 8 : 1, 1);
	if (!p->bits) {
		mesh_error_set(err, NULL, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

int ipam_init_ports(struct ipam *p, uint32_t lo, uint32_t hi)
{
	memset(p, 0, sizeof *p);
	p->base = lo;
	p->size = hi - lo + 1;
	p->first = 0;
	p->next = 0;
	p->is_port = 1;
	p->bits = calloc(p->size / 8 + 1, 1);
	return p->bits ? 0 : -1;
}

void ipam_free(struct ipam *p)
{
	free(p->bits);
	p->bits = NULL;
}

int ipam_in_use(const struct ipam *p, uint32_t offset)
{
	return (p->bits[offset / 8] >> (offset % 8)) & 1;
}

void ipam_set(struct ipam *p, uint32_t offset, int used)
{
	if (used)
		p->bits[offset / 8] |= (unsigned char)(1u << (offset % 8));
	else
		p->bits[offset / 8] &= (unsigned char)~(1u << (offset % 8));
}

/* The last offset that may be handed out: not the broadcast address. */
static uint32_t last_offset(const struct ipam *p)
{
	return p->is_port ? p->size - 1 : p->size - 2;
}

long ipam_next(struct ipam *p)
{
	uint32_t last = last_offset(p), span = last - p->first + 1;
	uint32_t at = p->next < p->first || p->next > last ? p->first : p->next;
	for (uint32_t tried = 0; tried < span; tried++) {
		if (!ipam_in_use(p, at)) {
			ipam_set(p, at, 1);
			p->next = at == last ? p->first : at + 1;
			return (long)at;
		}
		at = at == last ? p->first : at + 1;
	}
	return -1;
}

long ipam_offset(const struct ipam *p, const char *text)
{
	uint32_t v;
	if (p->is_port) {
		char *end;
		long port = strtol(text, &end, 10);
		if (*end || end == text || port < (long)p->base ||
		    port >= (long)(p->base + p->size))
			return -1;
		return port - (long)p->base;
	}
	if (parse_ipv4(text, &v) != 0 || v < p->base || v - p->base >= p->size)
		return -1;
	return (long)(v - p->base);
}

void ipam_format(const struct ipam *p, uint32_t offset, char *buf, size_t cap)
{
	uint32_t v = p->base + offset;
	char text[16], *at = text;
	if (p->is_port) {
		snprintf(buf, cap, "%u", (unsigned)v);
		return;
	}
	/* By hand: every pod and Service of an apply gets an address here. */
	for (int shift = 24; shift >= 0; shift -= 8) {
		unsigned octet = (v >> shift) & 255;
		if (octet >= 100)
			*at++ = (char)('0' + octet / 100);
		if (octet >= 10)
			*at++ = (char)('0' + octet / 10 % 10);
		*at++ = (char)('0' + octet % 10);
		*at++ = shift ? '.' : '\0';
	}
	if ((size_t)(at - text) <= cap)
		memcpy(buf, text, (size_t)(at - text));
	else
		snprintf(buf, cap, "%s", text);
}
