/*
 * load_gen.h - the skeleton of contrib/bench's load generator (load_gen.c)
 * and the modes it runs (load_smtp.c: smtp and soak; load_rtt.c: rtt).
 *
 * load_gen.c parses the command line (the mode's word, then its options,
 * then the server's address), starts SESSIONS threads that take item
 * numbers 0 .. COUNT-1 in turn and hand each to the mode, times the whole
 * run and lets the mode print its line.  A mode is a struct load_mode;
 * the settings every mode reads are in load_opt.
 */
#ifndef LOAD_GEN_H
#define LOAD_GEN_H

#include <stdbool.h>
#include <stdio.h>

/* The settings of a run; set by load_gen.c's option parser. */
struct load_opt {
	const char	*addr;		/* the server: HOST:PORT, unix:PATH */
	int		 sessions;	/* -s: threads (1 for rtt) */
	long		 count;		/* -m (smtp, soak) or -n (rtt) */
	int		 rcpts;		/* -r: recipients a message */
	long		 base;		/* -b: first recipient number */
	long		 first;		/* -k (soak): first message number */
	long		 cycle;		/* -c (soak): recipient numbers mod */
	const char	*pattern;	/* -p: address, %d the number */
	const char	*from;		/* -f: envelope and From: sender */
	int		 limit;		/* -T: seconds for all, and a reply */
	int		 wait_ms;	/* -w: smtp: before each message;
					   soak: after a failed attempt */
	FILE		*out;		/* -o (smtp): a line per message */
	long		 keys;		/* -k (rtt): distinct keys */
	const char	*map;		/* -m (rtt): the socketmap's map */
	double		 t_end;		/* monotonic deadline of the run */
};

extern struct load_opt	 load;

/* A mode: its word, options and the functions the skeleton calls. */
struct load_mode {
	const char	*name;		/* first argument: smtp, soak, rtt */
	const char	*optstring;	/* getopt(3) letters it takes */
	const char	*usage;		/* after "load_gen NAME " */
	/* After parsing, before the clock starts; 0, or an exit status. */
	int		(*prepare)(void);
	/* Item k (0 .. count-1) of a session; false stops the session. */
	bool		(*item)(long k);
	/* Prints the run's line; returns the exit status. */
	int		(*report)(double seconds);
};

extern const struct load_mode	 load_mode_smtp, load_mode_soak,
				 load_mode_rtt;

/* Monotonic seconds. */
double	load_now(void);

/* Sleeps ms milliseconds (interrupted sleeps resumed). */
void	load_sleep_ms(int ms);

/*
 * pattern with its first "%d" replaced by i into buf (no printf of a
 * variable format: -Wformat-nonliteral); pattern itself when it has none.
 */
void	load_fmt_key(char *buf, size_t size, const char *pattern, long i);

#endif
