/* Benchmark of the synthesizer: applies a manifest (bench/synth/gen_mesh.lua)
 * to a fresh mesh, then builds one sidecar's snapshot RUNS times with
 * synth_build (registry, scope, every listener, route configuration,
 * cluster and endpoint, the config dump tree, and xds_snapshot_ingest) and
 * prints, on one line:
 *   apply_s build_median_ms build_min_ms build_cpu_median_ms peak_growth_MB arena_MB
 *   listeners routes clusters endpoints dump_bytes
 * The peak growth is VmHWM after the builds minus VmRSS before them, with
 * the peak reset first (/proc/self/clear_refs). The last snapshot is written
 * as GET /config_dump?include_eds to DUMP ("-": not written), for the peers
 * of run.sh.
 *
 *   bench_synth manifest.yaml runs dump.json [pod-ref [namespace]] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meshlua/mesh.h"
#include "meshlua/strbuf.h"
#include "meshlua/synth.h"
#include "meshlua/xds_dump.h"

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* A field of /proc/self/status in kB ("VmRSS", "VmHWM"), or -1. */
static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(field);
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static void reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (f) {
		fputs("5", f);
		fclose(f);
	}
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
		free(data);
		data = NULL;
	}
	fclose(f);
	if (data) {
		data[n] = '\0';
		*len = (size_t)n;
	}
	return data;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	struct mesh_error err;
	struct mesh *m;
	struct mesh_object *pod;
	struct xds_snapshot *snap = NULL;
	struct strbuf dump = STRBUF_INIT;
	struct xds_dump_opts opts = {NULL, NULL, NULL, 1};
	double t0, c0, apply_s, times[64], cpus[64];
	size_t len;
	char *data;
	int runs;
	long rss_before, peak;
	FILE *out;
	if (argc < 4) {
		fprintf(stderr, "usage: %s manifest.yaml runs dump.json [pod-ref [namespace]]\n",
		        argv[0]);
		return 2;
	}
	runs = atoi(argv[2]);
	if (runs < 1 || runs > 64)
		runs = 5;
	data = read_file(argv[1], &len);
	if (!data) {
		perror(argv[1]);
		return 1;
	}
	m = mesh_new(NULL, &err);
	if (!m)
		return 1;
	t0 = now();
	if (mesh_apply(m, argv[1], data, len, NULL, NULL, &err) != 0) {
		fprintf(stderr, "%s:%d:%d: %s\n", argv[1], err.line, err.column, err.message);
		return 1;
	}
	apply_s = now() - t0;
	free(data);
	pod = mesh_resolve_pod(m, argc > 4 ? argv[4] : "deployment/client",
	                       argc > 5 ? argv[5] : "ns-00", &err);
	if (!pod) {
		fprintf(stderr, "%s\n", err.message);
		return 1;
	}
	rss_before = status_kb("VmRSS");
	reset_peak();
	for (int i = 0; i < runs; i++) {
		xds_snapshot_unref(snap);
		t0 = now();
		c0 = cpu();
		snap = synth_build(m, pod, istio_profile_find("current"), &err);
		times[i] = now() - t0;
		cpus[i] = cpu() - c0;
		if (!snap) {
			fprintf(stderr, "synth_build: %s\n", err.message);
			return 1;
		}
	}
	peak = status_kb("VmHWM");
	qsort(times, (size_t)runs, sizeof times[0], cmp_double);
	qsort(cpus, (size_t)runs, sizeof cpus[0], cmp_double);
	if (strcmp(argv[3], "-") == 0) { /* no dump wanted */
		printf("%.3f %.1f %.1f %.1f %.1f %.1f %zu %zu %zu %zu 0\n", apply_s,
		       times[runs / 2] * 1e3, times[0] * 1e3, cpus[runs / 2] * 1e3,
		       (double)(peak - rss_before) / 1024.0,
		       (double)snap->arena.reserved / 1048576.0, snap->count[XDS_LISTENER],
		       snap->count[XDS_ROUTE_CONFIG], snap->count[XDS_CLUSTER],
		       snap->count[XDS_ENDPOINT]);
		xds_snapshot_unref(snap);
		mesh_free(m);
		return 0;
	}
	if (xds_write_config_dump(&dump, snap, &opts, &err) != 0) {
		fprintf(stderr, "dump: %s\n", err.message);
		return 1;
	}
	out = fopen(argv[3], "wb");
	if (!out || fwrite(dump.data, 1, dump.len, out) != dump.len) {
		perror(argv[3]);
		return 1;
	}
	fclose(out);
	printf("%.3f %.1f %.1f %.1f %.1f %.1f %zu %zu %zu %zu %zu\n", apply_s,
	       times[runs / 2] * 1e3, times[0] * 1e3, cpus[runs / 2] * 1e3,
	       (double)(peak - rss_before) / 1024.0, (double)snap->arena.reserved / 1048576.0,
	       snap->count[XDS_LISTENER], snap->count[XDS_ROUTE_CONFIG], snap->count[XDS_CLUSTER],
	       snap->count[XDS_ENDPOINT], dump.len);
	strbuf_free(&dump);
	xds_snapshot_unref(snap);
	mesh_free(m);
	return 0;
}
