/* Fetching config dumps with libcurl (see include/meshlua/fetch.h). Every
 * transfer, one or many, runs through one multi handle; bodies grow in
 * strbufs capped at max_bytes; failures become one-line messages that name
 * the URL. curl_easy_init performs curl's global initialisation on first
 * use (thread-safe since curl 7.84), so there is no state of ours here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "meshlua/fetch.h"
#include "meshlua/strbuf.h"

void fetch_opts_default(struct fetch_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_redirects = -1;
	o->admin = -1;
}

void fetch_body_free(struct fetch_body *body)
{
	free(body->data);
	memset(body, 0, sizeof *body);
}

/* One transfer in flight. */
struct transfer {
	CURL *easy;
	char *url;
	struct strbuf body;
	size_t max_bytes;
	int too_big;
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	CURLcode result;
	long status;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct transfer *t = user;
	size_t n = size * nmemb;
	if (t->body.len + n > t->max_bytes) {
		t->too_big = 1;
		return 0;
	}
	return strbuf_append(&t->body, ptr, n) == 0 ? n : 0;
}

static int setup(struct transfer *t, const char *url, const struct fetch_opts *o)
{
	char auth[4096];
	memset(t, 0, sizeof *t);
	strbuf_init(&t->body);
	t->max_bytes = o->max_bytes ? o->max_bytes : ((size_t)2 << 30);
	if (!(t->url = strdup(url)) || !(t->easy = curl_easy_init()))
		return -1;
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 30000L);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT_MS,
	                 o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000L);
	curl_easy_setopt(t->easy, CURLOPT_FOLLOWLOCATION, o->max_redirects != 0 ? 1L : 0L);
	curl_easy_setopt(t->easy, CURLOPT_MAXREDIRS, o->max_redirects < 0 ? 5L : o->max_redirects);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "meshlua");
	curl_easy_setopt(t->easy, CURLOPT_ACCEPT_ENCODING, "");
	if (o->ca_file)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, o->ca_file);
	if (o->insecure) {
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(t->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (o->authorization) {
		snprintf(auth, sizeof auth, "Authorization: %s", o->authorization);
		if (!(t->headers = curl_slist_append(NULL, auth)))
			return -1;
		curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	}
	return 0;
}

static void cleanup(struct transfer *t)
{
	if (t->easy)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	strbuf_free(&t->body);
	free(t->url);
	memset(t, 0, sizeof *t);
}

/* Runs every transfer to its end on one multi handle. */
static int run_all(struct transfer *ts, size_t n)
{
	CURLM *multi = curl_multi_init();
	int running = 0;
	CURLMsg *msg;
	int left;
	if (!multi)
		return -1;
	curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
	for (size_t i = 0; i < n; i++)
		if (ts[i].easy)
			curl_multi_add_handle(multi, ts[i].easy);
	do {
		CURLMcode mc = curl_multi_perform(multi, &running);
		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(multi, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK)
			break;
	} while (running);
	while ((msg = curl_multi_info_read(multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ts[i].easy == msg->easy_handle) {
				ts[i].result = msg->data.result;
				curl_easy_getinfo(ts[i].easy, CURLINFO_RESPONSE_CODE,
				                  &ts[i].status);
			}
	}
	for (size_t i = 0; i < n; i++)
		if (ts[i].easy)
			curl_multi_remove_handle(multi, ts[i].easy);
	curl_multi_cleanup(multi);
	return 0;
}

/* The first line of a body, for an HTTP error message. */
static void first_line(const struct strbuf *b, char *out, size_t cap)
{
	size_t n = 0;
	const char *s = b->data ? b->data : "";
	while (n < b->len && s[n] != '\n' && s[n] != '\r' && n + 1 < cap)
		n++;
	memcpy(out, s, n);
	out[n] = '\0';
}

/* 0 when t succeeded, else -1 with err naming its URL and the failure. */
static int judge(struct transfer *t, const struct fetch_opts *o, struct mesh_error *err)
{
	char line[300];
	curl_off_t expected = -1;
	long os_errno = 0;
	switch (t->result) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(t->easy, CURLINFO_OS_ERRNO, &os_errno);
		mesh_error_set(err, NULL, 0, 0, "fetch %s: %s", t->url,
		               os_errno       ? strerror((int)os_errno)
		               : t->errbuf[0] ? t->errbuf
		                              : "could not connect");
		if (os_errno == ECONNREFUSED)
			mesh_error_set(err, NULL, 0, 0, "fetch %s: connection refused", t->url);
		return -1;
	case CURLE_OPERATION_TIMEDOUT:
		mesh_error_set(err, NULL, 0, 0, "fetch %s: timed out after %ld ms", t->url,
		               o->timeout_ms > 0 ? o->timeout_ms : 30000L);
		return -1;
	case CURLE_PARTIAL_FILE:
		curl_easy_getinfo(t->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
		if (expected >= 0)
			mesh_error_set(err, NULL, 0, 0,
			               "fetch %s: truncated body: got %zu of %lld bytes", t->url,
			               t->body.len, (long long)expected);
		else
			mesh_error_set(err, NULL, 0, 0, "fetch %s: truncated body after %zu bytes",
			               t->url, t->body.len);
		return -1;
	case CURLE_WRITE_ERROR:
		mesh_error_set(err, NULL, 0, 0, "fetch %s: %s", t->url,
		               t->too_big ? "body larger than the limit" : "out of memory");
		return -1;
	case CURLE_TOO_MANY_REDIRECTS:
		mesh_error_set(err, NULL, 0, 0, "fetch %s: more than %ld redirects", t->url,
		               o->max_redirects < 0 ? 5L : o->max_redirects);
		return -1;
	default:
		mesh_error_set(err, NULL, 0, 0, "fetch %s: %s", t->url,
		               t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->result));
		return -1;
	}
	if (t->status >= 400 || (t->status >= 300 && t->status < 400)) {
		first_line(&t->body, line, sizeof line);
		mesh_error_set(err, NULL, 0, 0, "fetch %s: HTTP %ld%s%s", t->url, t->status,
		               line[0] ? ": " : "", line);
		return -1;
	}
	return 0;
}

int fetch_get(const char *url, const struct fetch_opts *o, struct fetch_body *body,
              struct mesh_error *err)
{
	struct transfer t;
	int rc = -1;
	memset(body, 0, sizeof *body);
	if (setup(&t, url, o) != 0 || run_all(&t, 1) != 0) {
		mesh_error_set(err, NULL, 0, 0, "fetch %s: cannot start the transfer", url);
		cleanup(&t);
		return -1;
	}
	if (judge(&t, o, err) == 0) {
		body->status = t.status;
		body->data = strbuf_detach(&t.body, &body->len);
		rc = body->data ? 0 : -1;
		if (rc)
			mesh_error_set(err, NULL, 0, 0, "fetch %s: out of memory", url);
	}
	cleanup(&t);
	return rc;
}

/* 1 when url has no path (or just "/"): an admin endpoint's base URL. */
static int is_admin_base(const char *url)
{
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	p = strpbrk(p, "/?#");
	return !p || ((p[0] == '/' && p[1] == '\0'));
}

static char *join(const char *base, const char *path)
{
	size_t n = strlen(base);
	char *s = malloc(n + strlen(path) + 2);
	if (!s)
		return NULL;
	memcpy(s, base, n);
	if (n && base[n - 1] == '/')
		n--;
	strcpy(s + n, path);
	return s;
}

size_t fetch_proxies(const char *const *urls, size_t n, const struct fetch_opts *o,
                     struct xds_snapshot **out, struct mesh_error *errs)
{
	struct transfer *ts = calloc(2 * n + 1, sizeof *ts);
	int *admin = calloc(n + 1, sizeof *admin);
	size_t failed = 0;
	if (!ts || !admin) {
		for (size_t i = 0; i < n; i++) {
			out[i] = NULL;
			mesh_error_set(&errs[i], NULL, 0, 0, "fetch %s: out of memory", urls[i]);
		}
		free(ts);
		free(admin);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		char *dump = NULL, *clusters = NULL;
		admin[i] = o->admin >= 0 ? o->admin : is_admin_base(urls[i]);
		if (admin[i]) {
			dump = join(urls[i], "/config_dump?include_eds");
			clusters = join(urls[i], "/clusters?format=json");
		}
		if (setup(&ts[2 * i], dump ? dump : urls[i], o) != 0 ||
		    (admin[i] && setup(&ts[2 * i + 1], clusters ? clusters : "", o) != 0)) {
			cleanup(&ts[2 * i]);
			cleanup(&ts[2 * i + 1]);
		}
		free(dump);
		free(clusters);
	}
	run_all(ts, 2 * n);
	for (size_t i = 0; i < n; i++) {
		struct transfer *d = &ts[2 * i], *c = &ts[2 * i + 1];
		mesh_error_clear(&errs[i]);
		out[i] = NULL;
		if (!d->easy || (admin[i] && !c->easy)) {
			mesh_error_set(&errs[i], NULL, 0, 0, "fetch %s: cannot start the transfer",
			               urls[i]);
		} else if (judge(d, o, &errs[i]) == 0 &&
		           (!admin[i] || judge(c, o, &errs[i]) == 0)) {
			out[i] = xds_load(d->url, d->body.data ? d->body.data : "", d->body.len,
			                  &errs[i]);
			if (out[i] && admin[i] &&
			    xds_snapshot_load_clusters(out[i], c->url,
			                               c->body.data ? c->body.data : "",
			                               c->body.len, &errs[i]) != 0) {
				xds_snapshot_unref(out[i]);
				out[i] = NULL;
			}
		}
		failed += out[i] == NULL;
		cleanup(d);
		cleanup(c);
	}
	free(ts);
	free(admin);
	return failed;
}
