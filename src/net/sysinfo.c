/* Process facts for ControlZ (see sysinfo.h). */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysinfo.h"

extern char **environ;

void sysinfo_init(struct sysinfo_list *l)
{
	memset(l, 0, sizeof *l);
}

void sysinfo_free(struct sysinfo_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->names[i]);
		free(l->values[i]);
	}
	free(l->names);
	free(l->values);
	sysinfo_init(l);
}

static void add(struct sysinfo_list *l, const char *name, const char *value)
{
	char *n, *v;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **names = realloc(l->names, cap * sizeof *names);
		char **values;
		if (!names) {
			l->failed = 1;
			return;
		}
		l->names = names;
		values = realloc(l->values, cap * sizeof *values);
		if (!values) {
			l->failed = 1;
			return;
		}
		l->values = values;
		l->cap = cap;
	}
	n = strdup(name);
	v = strdup(value);
	if (!n || !v) {
		free(n);
		free(v);
		l->failed = 1;
		return;
	}
	l->names[l->count] = n;
	l->values[l->count] = v;
	l->count++;
}

static void add_number(struct sysinfo_list *l, const char *name, unsigned long long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%llu", v);
	add(l, name, buf);
}

/* The value in kB of field ("VmRSS") in /proc/self/status, in bytes; 0 when absent. */
static unsigned long long status_kb(const char *field)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(field);
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtoull(line + n + 1, NULL, 10) * 1024;
			break;
		}
	fclose(f);
	return v;
}

void sysinfo_memory(struct sysinfo_list *l)
{
	struct mallinfo2 mi = mallinfo2();
	add_number(l, "resident", status_kb("VmRSS"));
	add_number(l, "resident_peak", status_kb("VmHWM"));
	add_number(l, "virtual", status_kb("VmSize"));
	add_number(l, "data", status_kb("VmData"));
	add_number(l, "heap_in_use", mi.uordblks + mi.hblkhd);
	add_number(l, "heap_free", mi.fordblks);
	add_number(l, "heap_mapped", mi.hblkhd);
	add_number(l, "heap_arena", mi.arena);
}

void sysinfo_process(struct sysinfo_list *l)
{
	char buf[4096];
	gid_t groups[64];
	int ng = getgroups(64, groups);
	size_t len = 0;
	const char *tmp = getenv("TMPDIR");
	add_number(l, "pid", (unsigned long long)getpid());
	add_number(l, "ppid", (unsigned long long)getppid());
	add_number(l, "uid", (unsigned long long)getuid());
	add_number(l, "gid", (unsigned long long)getgid());
	add_number(l, "euid", (unsigned long long)geteuid());
	add_number(l, "egid", (unsigned long long)getegid());
	buf[0] = '\0';
	for (int i = 0; i < ng && len < sizeof buf - 16; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%u", i ? " " : "",
		                        (unsigned)groups[i]);
	add(l, "groups", buf);
	add(l, "wd", getcwd(buf, sizeof buf) ? buf : "");
	add(l, "hostname", gethostname(buf, sizeof buf) == 0 ? buf : "");
	add(l, "tempdir", tmp && *tmp ? tmp : "/tmp");
	add_number(l, "threads", status_kb("Threads") / 1024);
}

static int by_text(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sysinfo_environment(struct sysinfo_list *l)
{
	size_t n = 0;
	char **copy;
	for (char **e = environ; e && *e; e++)
		n++;
	copy = malloc((n ? n : 1) * sizeof *copy);
	if (!copy) {
		l->failed = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		copy[i] = environ[i];
	qsort(copy, n, sizeof *copy, by_text);
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(copy[i], '=');
		char name[256];
		size_t k = eq ? (size_t)(eq - copy[i]) : strlen(copy[i]);
		if (k >= sizeof name)
			k = sizeof name - 1;
		memcpy(name, copy[i], k);
		name[k] = '\0';
		add(l, name, eq ? eq + 1 : "");
	}
	free(copy);
}

void sysinfo_arguments(struct sysinfo_list *l)
{
	char buf[65536];
	size_t n;
	FILE *f = fopen("/proc/self/cmdline", "rb");
	if (!f)
		return;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (size_t i = 0, k = 0; i < n; k++) {
		char name[16];
		snprintf(name, sizeof name, "%zu", k);
		add(l, name, buf + i);
		i += strlen(buf + i) + 1;
	}
}
