/*
 * metrics_http.h - the metrics endpoint (SPEC section 7): GET /metrics in
 * the Prometheus text format, served by libmicrohttpd from a thread of its
 * own, apart from the mail path: a scrape reads atomics and the cache
 * counters, never a lock a message holds for long.
 *
 * Only GET /metrics is 200 (text/plain; version=0.0.4); another path is
 * 404, another method 405.  A request larger than METRICS_HTTP_REQUEST_MAX
 * is refused (4xx) by libmicrohttpd's per-connection memory limit; a
 * connection idle for METRICS_HTTP_IDLE_SECONDS is closed; at most
 * METRICS_HTTP_CONNECTIONS at once.
 */
#ifndef MAILSWITCH_METRICS_HTTP_H
#define MAILSWITCH_METRICS_HTTP_H

#include <stddef.h>

#define METRICS_HTTP_REQUEST_MAX	8192
#define METRICS_HTTP_IDLE_SECONDS	5
#define METRICS_HTTP_CONNECTIONS	32

/*
 * Opens the listening socket spec (inet:PORT@HOST, inet6:PORT@HOST), so
 * that it is bound before privileges are dropped and before the daemon
 * forks.  Returns 0, or -1 with a message in err.
 */
int	metrics_http_open(const char *spec, char *err, size_t errlen);

/* Starts serving on the socket opened.  Returns 0, or -1 (logged). */
int	metrics_http_start(void);

/* Stops serving and closes the socket; a no-op when not started. */
void	metrics_http_stop(void);

#endif /* MAILSWITCH_METRICS_HTTP_H */
