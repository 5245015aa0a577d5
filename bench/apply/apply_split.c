/* Where the apply benchmark's time goes: CPU seconds of yaml_load alone
 * (the core's YAML-to-tree loader) and of a whole mesh_apply (the same load,
 * then decoding, validation, addresses, controllers, commit) on one file.
 *
 *   bench_apply_split manifest.yaml   ->   "load 0.26 apply 0.38 objects 20000" */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "meshlua/mesh.h"
#include "meshlua/yaml_load.h"

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct mesh_changes changes;
	struct mesh_error err;
	struct yaml_stream stream;
	struct mesh *m;
	double t0, t1, t2, t3;
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
	t0 = cpu_seconds();
	if (yaml_load(&stream, argv[1], data, len, &err) == 0)
		yaml_stream_free(&stream);
	t1 = cpu_seconds();
	t2 = cpu_seconds();
	if (mesh_apply(m, argv[1], data, len, NULL, &changes, &err) != 0) {
		mesh_error_format(&err, msg, sizeof msg);
		fprintf(stderr, "%s\n", msg);
		return 1;
	}
	t3 = cpu_seconds();
	printf("load %.3f apply %.3f objects %zu\n", t1 - t0, t3 - t2, changes.count);
	mesh_changes_free(&changes);
	mesh_free(m);
	free(data);
	return 0;
}
