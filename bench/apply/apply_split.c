/* Where the apply benchmark's time goes: CPU and wall seconds of yaml_load
 * alone (the core's YAML-to-tree loader) and of a whole mesh_apply (the
 * same load, then decoding, validation, addresses, controllers, commit) on
 * one file. "load" and "apply" are the whole process's CPU (a big input is
 * parsed by libyaml on a second thread while the trees are built and
 * applied); main_apply is the CPU of the calling thread alone.
 *
 *   bench_apply_split manifest.yaml
 *   ->   "load 0.16 apply 0.30 objects 20000 wall_load 0.11 wall_apply 0.19 main_apply 0.13" */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "meshlua/mesh.h"
#include "meshlua/yaml_load.h"

static double seconds(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	return seconds(CLOCK_PROCESS_CPUTIME_ID);
}

static double wall_seconds(void)
{
	return seconds(CLOCK_MONOTONIC);
}

static double thread_seconds(void)
{
	return seconds(CLOCK_THREAD_CPUTIME_ID);
}

int main(int argc, char **argv)
{
	struct mesh_changes changes;
	struct mesh_error err;
	struct yaml_stream stream;
	struct mesh *m;
	double t0, t1, t2, t3, w0, w1, w2, w3, m2, m3;
	char *data, msg[1200];
	size_t len;
	if (argc != 2) {
		fprintf(stderr, "usage: %s manifest.yaml\n", argv[0]);
		return 2;
	}
	if (read_whole_file(argv[1], &data, &len, &err) != 0 || !(m = mesh_new(NULL, &err))) {
		mesh_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	w0 = wall_seconds();
	t0 = cpu_seconds();
	if (yaml_load(&stream, argv[1], data, len, &err) == 0)
		yaml_stream_free(&stream);
	t1 = cpu_seconds();
	w1 = wall_seconds();
	w2 = wall_seconds();
	m2 = thread_seconds();
	t2 = cpu_seconds();
	if (mesh_apply(m, argv[1], data, len, NULL, &changes, &err) != 0) {
		mesh_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	t3 = cpu_seconds();
	m3 = thread_seconds();
	w3 = wall_seconds();
	printf("load %.3f apply %.3f objects %zu wall_load %.3f wall_apply %.3f main_apply %.3f\n",
	       t1 - t0, t3 - t2, changes.count, w1 - w0, w3 - w2, m3 - m2);
	mesh_changes_free(&changes);
	mesh_free(m);
	free(data);
	return 0;
}
