/* sysinfo: facts about this process for the ControlZ pages (memory,
 * process, environment, arguments), each as an ordered list of name/value
 * strings. Linux /proc and libc only. Internal to src/net. */
#ifndef MESHLUA_NET_SYSINFO_H
#define MESHLUA_NET_SYSINFO_H

#include <stddef.h>

struct sysinfo_list {
	size_t count, cap;
	char **names;
	char **values;
	int failed; /* out of memory: the list is incomplete */
};

void sysinfo_init(struct sysinfo_list *l);
void sysinfo_free(struct sysinfo_list *l);

/* Memory: resident and virtual size, peak, heap in use and free (bytes). */
void sysinfo_memory(struct sysinfo_list *l);

/* Process: pid, ppid, uid, gid, euid, egid, groups, wd, hostname, tempdir, threads. */
void sysinfo_process(struct sysinfo_list *l);

/* Environment variables, sorted by name. */
void sysinfo_environment(struct sysinfo_list *l);

/* The command line (/proc/self/cmdline), names "0", "1", ... */
void sysinfo_arguments(struct sysinfo_list *l);

#endif
