/* ptydrive: runs a command on a pseudo-terminal and drives it from a script,
 * like a tiny `expect`, so the specs can test the REPL as a person uses it
 * (readline, Tab, Ctrl-C, Ctrl-D) without tmux timing guesses.
 *
 * usage: ptydrive [-t SECONDS] -- COMMAND [ARGS...]   (script on stdin)
 * Script lines:
 *   send TEXT     write TEXT to the terminal (escapes: \n \r \t \\ \xHH)
 *   expect TEXT   wait until TEXT appears after the previous match
 *   sleep MS      pause
 *   wait          wait for the command to exit
 * Prints the raw transcript on stdout, then "[exit N]" (or "[signal N]") when
 * the command ended. Exit status: 0 when every step passed, 1 when an expect
 * timed out or the command ended before it matched (the reason on stderr),
 * 2 for usage errors. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct session {
	int master;
	pid_t child;
	int exited;
	int status;
	char *out; /* transcript */
	size_t len, cap;
	size_t mark; /* where the next expect starts searching */
	double timeout;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Decodes the escapes of a script argument in place; returns its length. */
static size_t unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (*r != '\\' || r[1] == '\0') {
			*w++ = *r;
			continue;
		}
		r++;
		switch (*r) {
		case 'n':
			*w++ = '\n';
			break;
		case 'r':
			*w++ = '\r';
			break;
		case 't':
			*w++ = '\t';
			break;
		case 'e':
			*w++ = '\033';
			break;
		case 'x': {
			char hex[3] = {r[1], r[1] ? r[2] : 0, 0};
			*w++ = (char)strtol(hex, NULL, 16);
			r += 2;
			break;
		}
		default:
			*w++ = *r;
			break;
		}
	}
	return (size_t)(w - s);
}

/* Reads what the terminal has within wait_s seconds. Returns 0, or -1 once
 * the command has closed the terminal. */
static int pump(struct session *s, double wait_s)
{
	struct pollfd p = {s->master, POLLIN, 0};
	char buf[4096];
	ssize_t n;
	int rc = poll(&p, 1, wait_s < 0 ? 0 : (int)(wait_s * 1000));
	if (rc <= 0)
		return 0;
	n = read(s->master, buf, sizeof buf);
	if (n <= 0)
		return -1;
	if (s->len + (size_t)n + 1 > s->cap) {
		s->cap = (s->len + (size_t)n + 1) * 2;
		s->out = realloc(s->out, s->cap);
		if (!s->out) {
			perror("ptydrive");
			exit(2);
		}
	}
	memcpy(s->out + s->len, buf, (size_t)n);
	s->len += (size_t)n;
	s->out[s->len] = '\0';
	return 0;
}

static char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	if (nlen == 0)
		return (char *)hay;
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (char *)hay + i;
	return NULL;
}

static int expect(struct session *s, const char *text, size_t tlen)
{
	double deadline = now() + s->timeout;
	for (;;) {
		char *hit =
		    s->out ? find_bytes(s->out + s->mark, s->len - s->mark, text, tlen) : NULL;
		if (hit) {
			s->mark = (size_t)(hit - s->out) + tlen;
			return 0;
		}
		if (now() >= deadline) {
			fprintf(stderr, "ptydrive: timed out waiting for '%s'\n", text);
			return 1;
		}
		if (pump(s, deadline - now()) != 0) {
			fprintf(stderr, "ptydrive: terminal closed before '%s'\n", text);
			return 1;
		}
	}
}

static void wait_child(struct session *s, double wait_s)
{
	double deadline = now() + wait_s;
	while (!s->exited && now() < deadline) {
		if (pump(s, 0.05) != 0 || waitpid(s->child, &s->status, WNOHANG) == s->child) {
			if (waitpid(s->child, &s->status, 0) == s->child || errno == ECHILD)
				s->exited = 1;
		}
	}
	while (pump(s, 0) == 0 && poll(&(struct pollfd){s->master, POLLIN, 0}, 1, 0) > 0)
		;
}

static int run_script(struct session *s, FILE *script)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int failed = 0;
	while (!failed && (n = getline(&line, &cap, script)) >= 0) {
		char *arg;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		arg = strchr(line, ' ');
		arg = arg ? arg + 1 : line + n;
		if (strncmp(line, "send ", 5) == 0) {
			size_t len = unescape(arg);
			if (write(s->master, arg, len) != (ssize_t)len)
				failed = 1;
		} else if (strncmp(line, "expect ", 7) == 0) {
			size_t len = unescape(arg);
			failed = expect(s, arg, len);
		} else if (strncmp(line, "sleep ", 6) == 0) {
			double until = now() + atof(arg) / 1000.0;
			while (now() < until)
				pump(s, until - now());
		} else if (strcmp(line, "wait") == 0) {
			wait_child(s, s->timeout);
			if (!s->exited) {
				fprintf(stderr, "ptydrive: command still running after %gs\n",
				        s->timeout);
				failed = 1;
			}
		} else if (n > 0 && line[0] != '#') {
			fprintf(stderr, "ptydrive: bad script line '%s'\n", line);
			failed = 2;
		}
	}
	free(line);
	return failed;
}

int main(int argc, char **argv)
{
	struct session s = {0};
	struct winsize ws = {24, 100, 0, 0};
	int argi = 1, failed;
	s.timeout = 10;
	if (argi + 1 < argc && strcmp(argv[argi], "-t") == 0) {
		s.timeout = atof(argv[argi + 1]);
		argi += 2;
	}
	if (argi < argc && strcmp(argv[argi], "--") == 0)
		argi++;
	if (argi >= argc) {
		fprintf(stderr, "usage: ptydrive [-t SECONDS] -- COMMAND [ARGS...] < script\n");
		return 2;
	}
	s.child = forkpty(&s.master, NULL, NULL, &ws);
	if (s.child < 0) {
		perror("ptydrive: forkpty");
		return 2;
	}
	if (s.child == 0) {
		setenv("TERM", getenv("PTYDRIVE_TERM") ? getenv("PTYDRIVE_TERM") : "xterm", 1);
		execvp(argv[argi], argv + argi);
		perror(argv[argi]);
		_exit(127);
	}
	failed = run_script(&s, stdin);
	if (!s.exited) {
		wait_child(&s, 0.2);
		if (!s.exited) {
			kill(s.child, SIGKILL);
			waitpid(s.child, &s.status, 0);
		}
	}
	if (s.out)
		fwrite(s.out, 1, s.len, stdout);
	if (s.exited && WIFEXITED(s.status))
		printf("\n[exit %d]\n", WEXITSTATUS(s.status));
	else if (s.exited && WIFSIGNALED(s.status))
		printf("\n[signal %d]\n", WTERMSIG(s.status));
	free(s.out);
	return failed ? 1 : 0;
}
