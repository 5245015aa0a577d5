/* libyaml's events for yaml_load (see yaml_events.h). Small inputs: libyaml
 * is called in the caller's thread, one event at a time. Big inputs: a
 * thread runs libyaml up to a ring's length ahead of the reader. The two
 * share two counters (events written, events given back), published every
 * few events; one that finds nothing to do spins a moment, then sleeps
 * until the other has made a batch of room or events: on a busy machine
 * neither burns the CPU the other needs, and a wake-up (a system call)
 * comes once a batch, not once an event. The reader holds one event at a
 * time and gives them back in order, so the thread frees each one (in the
 * thread that allocated it) just before writing another into its slot. A
 * libyaml failure ends the ring: the reader meets it in its place, after
 * the events before it, as in one thread. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_events.h"

#define RING_EVENTS 4096
#define PUBLISH     16  /* the thread publishes its count every PUBLISH events */
#define GIVE_BACK   64  /* the reader gives events back GIVE_BACK at a time */
#define WAKE_BATCH  512 /* a sleeper is woken when this many events (or slots) wait */
#define SPINS       64  /* checks before sleeping */

/* The thread sleeps only with a full ring and every event it wrote
 * published, and wants WAKE_BATCH slots back; the reader sleeps only when it
 * has given back every published event. For both to sleep at once the
 * ring would have to hold fewer than WAKE_BATCH slots. */
_Static_assert(RING_EVENTS >= WAKE_BATCH, "the ring must hold a wake batch");

static void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* After a counter was published as now: wakes the other side when it
 * sleeps until the counter reaches *want (or is about to sleep: it checks
 * again after saying so, and these accesses are sequentially consistent). */
static void wake(struct yaml_events *s, size_t now, atomic_size_t *want, pthread_cond_t *cond)
{
	size_t w = atomic_load(want);
	if (w && now >= w) {
		pthread_mutex_lock(&s->lock);
		pthread_cond_signal(cond);
		pthread_mutex_unlock(&s->lock);
	}
}

/* The thread: waits until event h has a free slot (returns the tail then)
 * or the reader stops. */
static size_t wait_room(struct yaml_events *s, size_t h)
{
	size_t tail;
	for (int i = 0; i < SPINS; i++) {
		tail = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (h - tail < s->cap || atomic_load(&s->stop))
			return tail;
		relax();
	}
	/* Sleep until a batch of slots is free (h >= cap here), after letting
	 * the reader see every event written. */
	atomic_store(&s->head, h);
	wake(s, h, &s->want_head, &s->wake_reader);
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->want_tail, h - s->cap + WAKE_BATCH);
	while ((tail = atomic_load(&s->tail)) < h - s->cap + WAKE_BATCH && !atomic_load(&s->stop))
		pthread_cond_wait(&s->wake_parser, &s->lock);
	atomic_store(&s->want_tail, 0);
	pthread_mutex_unlock(&s->lock);
	return tail;
}

/* The thread: parses into the ring until the stream ends, libyaml fails or
 * the reader stops. */
static void *parse_ahead(void *arg)
{
	struct yaml_events *s = arg;
	size_t h = 0, tail = 0;
	for (;;) {
		yaml_event_t *ev;
		int ok, last;
		if (h - tail >= s->cap) {
			tail = wait_room(s, h);
			if (atomic_load(&s->stop))
				break;
		}
		ev = &s->ring[h % s->cap];
		if (h >= s->cap)
			yaml_event_delete(ev); /* event h - cap: the reader gave it back */
		ok = yaml_parser_parse(s->parser, ev);
		last = !ok || ev->type == YAML_STREAM_END_EVENT;
		if (!ok)
			atomic_store_explicit(&s->failed_at, h, memory_order_relaxed);
		h++;
		if (last || h % PUBLISH == 0) {
			atomic_store(&s->head, h);
			wake(s, h, &s->want_head, &s->wake_reader);
			if (last || atomic_load_explicit(&s->stop, memory_order_relaxed))
				break;
		}
	}
	atomic_store(&s->head, h);
	atomic_store(&s->done, 1);
	pthread_mutex_lock(&s->lock);
	pthread_cond_signal(&s->wake_reader);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Starts the thread with every signal blocked, so that signals (the host's
 * Ctrl-C handler) keep going to the threads that expect them. */
static int start_thread(struct yaml_events *s)
{
	sigset_t all, old;
	int rc;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&s->thread, NULL, parse_ahead, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

void yaml_events_start(struct yaml_events *s, yaml_parser_t *parser, size_t len)
{
	memset(s, 0, sizeof *s);
	s->parser = parser;
	if (len < YAML_EVENTS_AHEAD_MIN)
		return;
	s->cap = RING_EVENTS;
	s->ring = calloc(s->cap, sizeof *s->ring);
	if (!s->ring)
		return; /* in this thread, then */
	atomic_init(&s->head, 0);
	atomic_init(&s->tail, 0);
	atomic_init(&s->failed_at, SIZE_MAX);
	atomic_init(&s->done, 0);
	atomic_init(&s->stop, 0);
	atomic_init(&s->want_head, 0);
	atomic_init(&s->want_tail, 0);
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		goto no_lock;
	if (pthread_cond_init(&s->wake_reader, NULL) != 0)
		goto no_reader_cond;
	if (pthread_cond_init(&s->wake_parser, NULL) != 0)
		goto no_parser_cond;
	if (start_thread(s) == 0) {
		s->ahead = 1;
		return;
	}
	pthread_cond_destroy(&s->wake_parser);
no_parser_cond:
	pthread_cond_destroy(&s->wake_reader);
no_reader_cond:
	pthread_mutex_destroy(&s->lock);
no_lock:
	free(s->ring);
	s->ring = NULL;
}

/* The reader: gives back the events before s->next. */
static void give_back(struct yaml_events *s)
{
	atomic_store(&s->tail, s->next);
	s->told_tail = s->next;
	wake(s, s->next, &s->want_tail, &s->wake_parser);
}

/* The reader: waits until the thread wrote event s->next or ended;
 * returns the head then. */
static size_t wait_head(struct yaml_events *s)
{
	size_t h;
	for (int i = 0; i < SPINS; i++) {
		if (atomic_load(&s->done))
			return atomic_load(&s->head);
		h = atomic_load_explicit(&s->head, memory_order_acquire);
		if (h != s->next)
			return h;
		relax();
	}
	/* Sleep until a batch of events is there, or the last one. */
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->want_head, s->next + WAKE_BATCH);
	while (atomic_load(&s->head) < s->next + WAKE_BATCH && !atomic_load(&s->done))
		pthread_cond_wait(&s->wake_reader, &s->lock);
	atomic_store(&s->want_head, 0);
	pthread_mutex_unlock(&s->lock);
	return atomic_load(&s->head);
}

const yaml_event_t *yaml_events_next(struct yaml_events *s)
{
	const yaml_event_t *ev;
	if (!s->ahead) {
		if (s->holding)
			yaml_event_delete(&s->one);
		s->holding = 0;
		if (!yaml_parser_parse(s->parser, &s->one))
			return NULL;
		s->holding = 1;
		return &s->one;
	}
	if (s->next == s->seen_head) {
		give_back(s); /* before waiting: the thread may wait for room */
		s->seen_head = atomic_load_explicit(&s->head, memory_order_acquire);
		if (s->seen_head == s->next)
			s->seen_head = wait_head(s);
		if (s->seen_head == s->next)
			return NULL; /* the thread ended without a last event: cannot happen */
	} else if (s->next - s->told_tail >= GIVE_BACK) {
		give_back(s);
	}
	/* Stored before the head that covers event s->next. */
	if (atomic_load_explicit(&s->failed_at, memory_order_relaxed) == s->next)
		return NULL;
	ev = &s->ring[s->next % s->cap];
	s->next++;
	return ev;
}

void yaml_events_stop(struct yaml_events *s)
{
	size_t head;
	if (!s->ahead) {
		if (s->holding)
			yaml_event_delete(&s->one);
		s->holding = 0;
		return;
	}
	atomic_store(&s->stop, 1);
	pthread_mutex_lock(&s->lock);
	pthread_cond_signal(&s->wake_parser);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	/* The thread freed the events up to head - cap; the rest are here. */
	head = atomic_load(&s->head);
	for (size_t i = head > s->cap ? head - s->cap : 0; i < head; i++)
		yaml_event_delete(&s->ring[i % s->cap]);
	pthread_cond_destroy(&s->wake_parser);
	pthread_cond_destroy(&s->wake_reader);
	pthread_mutex_destroy(&s->lock);
	free(s->ring);
	s->ring = NULL;
	s->ahead = 0;
}
