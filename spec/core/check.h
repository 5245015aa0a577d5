/* A minimal test harness for the core's C unit tests: CHECK records a
 * failure with its place and goes on; check_summary prints
 * "N passed, N failed" (the line CI reads) and returns the exit status. */
#ifndef MESHLUA_SPEC_CHECK_H
#define MESHLUA_SPEC_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed;
static int check_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		const char *got_ = (got), *want_ = (want);                                         \
		if (got_ && strcmp(got_, want_) == 0) {                                            \
			check_passed++;                                                            \
		} else {                                                                           \
			check_failed++;                                                            \
			fprintf(stderr, "%s:%d: %s is \"%s\", want \"%s\"\n", __FILE__, __LINE__,  \
			        #got, got_ ? got_ : "(null)", want_);                              \
		}                                                                                  \
	} while (0)

static inline int check_summary(const char *suite)
{
	printf("%s: %d passed, %d failed\n", suite, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
