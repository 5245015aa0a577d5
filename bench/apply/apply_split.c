/* Where the apply benchmark's time goes, in a process of its own per
 * measure (so that each starts with a fresh heap, as a real apply does):
 * "apply" times a whole mesh_apply (the load, then decoding, validation,
 * addresses, controllers, commit), "load" yaml_load alone (the core's
 * YAML-to-tree loader). Prints wall seconds, CPU seconds of the process (a
 * big input is parsed by libyaml on a second thread while the trees are
 * built and applied) and CPU seconds of the calling thread alone.
 *
 *   bench_apply_split manifest.yaml apply
 *   ->   "apply wall 0.19 cpu 0.30 thread 0.13 objects 20000"
 *   bench_apply_split manifest.yaml load
 *   ->   "load wall 0.14 cpu 0.20 thread 0.06 objects 20000" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "meshlua/mesh.h"
#include "meshlua/yaml_load.h"

static double seconds(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct mesh_changes changes = {0, NULL};
	struct mesh_error err;
	struct yaml_stream stream;
	struct mesh *m;
	double w0, c0, t0, w1, c1, t1;
	char *data, msg[1200];
	size_t len, objects;
	int apply, rc;
	if (argc != 3 || (strcmp(argv[2], "apply") != 0 && strcmp(argv[2], "load") != 0)) {
		fprintf(stderr, "usage: %s manifest.yaml apply|load\n", argv[0]);
		return 2;
	}
	apply = strcmp(argv[2], "apply") == 0;
	if (read_whole_file(argv[1], &data, &len, &err) != 0 || !(m = mesh_new(NULL, &err))) {
		mesh_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	w0 = seconds(CLOCK_MONOTONIC);
	c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	t0 = seconds(CLOCK_THREAD_CPUTIME_ID);
	rc = apply ? mesh_apply(m, argv[1], data, len, NULL, &changes, &err)
	           : yaml_load(&stream, argv[1], data, len, &err);
	t1 = seconds(CLOCK_THREAD_CPUTIME_ID);
	c1 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	w1 = seconds(CLOCK_MONOTONIC);
	if (rc != 0) {
		mesh_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	objects = apply ? changes.count : stream.count;
	printf("%s wall %.3f cpu %.3f thread %.3f objects %zu\n", argv[2], w1 - w0, c1 - c0,
	       t1 - t0, objects);
	if (apply)
		mesh_changes_free(&changes);
	else
		yaml_stream_free(&stream);
	mesh_free(m);
	free(data);
	return 0;
}
