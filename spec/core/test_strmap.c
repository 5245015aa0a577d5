/* Unit tests of src/core/strmap.c: put/get/remove, growth past many keys,
 * tombstones, reserve, borrowed keys, iteration, the stable hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "meshlua/strmap.h"

static void test_basic(void)
{
	struct strmap m;
	int a = 1, b = 2;
	strmap_init(&m);
	CHECK(strmap_get(&m, "x") == NULL);
	CHECK(strmap_remove(&m, "x") == NULL);
	CHECK(strmap_put(&m, "x", &a) == 0);
	CHECK(strmap_put(&m, "y", &b) == 0);
	CHECK(strmap_get(&m, "x") == &a && strmap_get(&m, "y") == &b);
	CHECK(strmap_put(&m, "x", &b) == 0); /* replace */
	CHECK(strmap_get(&m, "x") == &b && m.count == 2);
	CHECK(strmap_remove(&m, "x") == &b);
	CHECK(strmap_get(&m, "x") == NULL && m.count == 1);
	CHECK(strmap_get(&m, "") == NULL);
	CHECK(strmap_put(&m, "", &a) == 0 && strmap_get(&m, "") == &a);
	strmap_free(&m);
	CHECK(m.count == 0 && m.slots == NULL);
}

static void test_many_and_tombstones(void)
{
	struct strmap m;
	char key[32];
	int ok = 1;
	strmap_init(&m);
	for (long i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "k%ld", i);
		ok &= strmap_put(&m, key, (void *)(i + 1)) == 0;
	}
	CHECK(ok && m.count == 20000);
	for (long i = 0; i < 20000; i += 2) {
		snprintf(key, sizeof key, "k%ld", i);
		ok &= strmap_remove(&m, key) == (void *)(i + 1);
	}
	CHECK(ok && m.count == 10000);
	for (long i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "k%ld", i);
		ok &= strmap_get(&m, key) == (i % 2 ? (void *)(i + 1) : NULL);
	}
	CHECK(ok);
	/* Churn: removals and re-insertions do not grow the table forever. */
	for (int round = 0; round < 50; round++) {
		for (long i = 0; i < 1000; i++) {
			snprintf(key, sizeof key, "c%ld", i);
			ok &= strmap_put(&m, key, (void *)1) == 0;
		}
		for (long i = 0; i < 1000; i++) {
			snprintf(key, sizeof key, "c%ld", i);
			ok &= strmap_remove(&m, key) == (void *)1;
		}
	}
	CHECK(ok && m.count == 10000 && m.cap <= 65536);
	strmap_free(&m);
}

static void test_reserve_and_borrowed(void)
{
	struct strmap m;
	char keys[100][8];
	size_t cap;
	strmap_init_borrowed(&m);
	CHECK(strmap_reserve(&m, 100) == 0);
	cap = m.cap;
	for (int i = 0; i < 100; i++) {
		snprintf(keys[i], sizeof keys[i], "b%d", i);
		CHECK(strmap_put(&m, keys[i], keys[i]) == 0);
	}
	CHECK(m.cap == cap); /* reserved: no growth */
	{
		/* A put of an existing key takes the new key pointer. */
		char *copy = strdup("b7");
		const char *kept = keys[7];
		CHECK(strmap_put(&m, copy, copy) == 0);
		keys[7][0] = 'X'; /* the old key string may change now */
		CHECK(strmap_get(&m, "b7") == copy);
		CHECK(strmap_remove(&m, "b7") == copy);
		free(copy);
		(void)kept;
	}
	strmap_free(&m);
	CHECK(m.borrowed == 1);
}

static void count_entry(void *ctx, const char *key, void *value)
{
	(void)key;
	*(long *)ctx += (long)value;
}

static void test_each_and_hash(void)
{
	struct strmap m;
	long sum = 0;
	strmap_init(&m);
	strmap_put(&m, "a", (void *)1);
	strmap_put(&m, "b", (void *)2);
	strmap_put(&m, "c", (void *)4);
	strmap_remove(&m, "b");
	strmap_each(&m, count_entry, &sum);
	CHECK(sum == 5);
	strmap_free(&m);
	/* FNV-1a 64 reference values. */
	CHECK(strmap_hash("") == 0xcbf29ce484222325ULL);
	CHECK(strmap_hash("a") == 0xaf63dc4c8601ec8cULL);
	CHECK(strmap_hash("foobar") == 0x85944171f73967e8ULL);
}

int main(void)
{
	test_basic();
	test_many_and_tombstones();
	test_reserve_and_borrowed();
	test_each_and_hash();
	return check_summary("test_strmap");
}
