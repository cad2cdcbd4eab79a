/*
 * clock.h - the one clock of lib/'s timeouts, deadlines and durations:
 * CLOCK_MONOTONIC, which no change of the wall clock moves.
 *
 * Deadlines are absolute clock_ms() values.  A condition variable that
 * waits for one must be made with pthread_condattr_setclock(...,
 * CLOCK_MONOTONIC); clock_timespec() turns the deadline into the
 * struct timespec pthread_cond_timedwait() takes.
 */
#ifndef MAILSWITCH_CLOCK_H
#define MAILSWITCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Returns CLOCK_MONOTONIC in milliseconds.  Thread-safe. */
int64_t	clock_ms(void);

/* Returns CLOCK_MONOTONIC in nanoseconds, for durations.  Thread-safe. */
uint64_t clock_ns(void);

/*
 * Fills *ts with the deadline ms (a clock_ms() value) as a CLOCK_MONOTONIC
 * time, for pthread_cond_timedwait().  Thread-safe.
 */
void	clock_timespec(int64_t ms, struct timespec *ts);

#endif /* MAILSWITCH_CLOCK_H */
