/* yaml_events: libyaml's events for yaml_load, one at a time, each valid
 * until the next is asked for. For a big input libyaml runs ahead on a
 * thread of its own (the reader builds trees and runs its callbacks
 * meanwhile); the events are the same, in the same order, and libyaml's
 * memory is allocated and freed on that one thread. Private to the core. */
#ifndef MESHLUA_YAML_EVENTS_H
#define MESHLUA_YAML_EVENTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <yaml.h>

/* Inputs of at least this many bytes are parsed on a second thread. */
#define YAML_EVENTS_AHEAD_MIN (512 * 1024)

struct yaml_events {
	yaml_parser_t *parser;
	int ahead; /* 1: a thread parses into ring */
	/* In the caller's thread: the event handed out last. */
	yaml_event_t one;
	int holding;
	/* Parsing ahead: ring[i % cap] holds event i. */
	yaml_event_t *ring;
	size_t cap;
	pthread_t thread;
	pthread_mutex_t lock; /* only to sleep and wake */
	pthread_cond_t wake_reader, wake_parser;
	atomic_size_t head;      /* events written by the thread */
	atomic_size_t tail;      /* events the reader is done with */
	atomic_size_t failed_at; /* libyaml failed on this event (the last); SIZE_MAX */
	atomic_int done;         /* the thread wrote its last event */
	atomic_int stop;         /* the reader wants no more events */
	atomic_size_t want_head; /* the reader sleeps until head reaches it; 0: awake */
	atomic_size_t want_tail; /* the thread sleeps until tail reaches it; 0: awake */
	size_t next;             /* reader: index of the next event to hand out */
	size_t seen_head;        /* reader: head as last read */
	size_t told_tail;        /* reader: tail as last published */
};

/* Starts handing out the events of parser (its input already set; len is
 * the input's size, which decides whether libyaml runs ahead). */
void yaml_events_start(struct yaml_events *s, yaml_parser_t *parser, size_t len);

/* The next event, valid until the next call or yaml_events_stop; NULL when
 * libyaml failed (the parser's error fields then say why, and no more
 * events come). */
const yaml_event_t *yaml_events_next(struct yaml_events *s);

/* Stops (the thread, if any, is joined) and frees every event not yet
 * freed. The parser is the caller's again. */
void yaml_events_stop(struct yaml_events *s);

#endif
