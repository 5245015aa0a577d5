/* The peer of the apply benchmark: a plain libyaml event parse of a file,
 * counting events and documents, with nothing built from them. This is the
 * floor under any YAML reader; meshlua's apply does the same parse and also
 * builds trees, validates, allocates addresses and runs controllers.
 *
 *   bench_yaml_events manifest.yaml */
#include <stdio.h>
#include <stdlib.h>

#include <yaml.h>

int main(int argc, char **argv)
{
	yaml_parser_t parser;
	yaml_event_t event;
	unsigned long events = 0, documents = 0;
	FILE *f;
	int done = 0;
	if (argc != 2) {
		fprintf(stderr, "usage: %s manifest.yaml\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || !yaml_parser_initialize(&parser)) {
		perror(argv[1]);
		return 1;
	}
	yaml_parser_set_input_file(&parser, f);
	while (!done) {
		if (!yaml_parser_parse(&parser, &event)) {
			fprintf(stderr, "%s:%lu:%lu: %s\n", argv[1],
			        (unsigned long)parser.problem_mark.line + 1,
			        (unsigned long)parser.problem_mark.column + 1,
			        parser.problem ? parser.problem : "parse error");
			yaml_parser_delete(&parser);
			fclose(f);
			return 1;
		}
		events++;
		if (event.type == YAML_DOCUMENT_START_EVENT)
			documents++;
		done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	printf("%lu events, %lu documents\n", events, documents);
	return 0;
}
