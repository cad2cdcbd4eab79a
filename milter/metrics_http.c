/*
 * metrics_http.c - see metrics_http.h.  The text is lib/util/metrics.c's
 * (metrics_format()); this file has the socket and the HTTP.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "runtime.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4"

static int		 listen_fd = -1;
static int		 listen_family;
static struct MHD_Daemon *httpd;

int
metrics_http_open(const char *spec, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	const char	*p = strchr(spec, ':') + 1, *at = strchr(p, '@');
	char		 port[8];
	int		 fd = -1, on = 1, rc;

	if (at == NULL) {		/* config.c requires the host */
		snprintf(err, errlen, "metrics %s: no host", spec);
		return -1;
	}
	snprintf(port, sizeof(port), "%.*s", (int)(at - p), p);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = strncmp(spec, "inet6:", 6) == 0 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(at + 1, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "metrics %s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol)) == -1)
			continue;
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, 64) == 0)
			break;
		(void)close(fd);
		fd = -1;
	}
	if (fd == -1)
		snprintf(err, errlen, "metrics %s: cannot listen: %s", spec,
		    strerror(errno));
	freeaddrinfo(res);
	if (fd == -1)
		return -1;
	listen_fd = fd;
	listen_family = hints.ai_family;
	return 0;
}

/* Queues a short answer of status with body text. */
static enum MHD_Result
metrics_http_reply(struct MHD_Connection *conn, unsigned status,
    const char *text, const char *allow)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;

	if ((r = MHD_create_response_from_buffer(strlen(text),
	    (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT)) == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "text/plain; charset=utf-8");
	if (allow != NULL)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* The exposition, in a buffer the caller frees; NULL when out of memory. */
static char *
metrics_http_text(size_t *len)
{
	metrics_cache_t	 cache;
	size_t		 size = 16384, n;
	char		*buf = NULL, *p;

	runtime_cache_stats(&cache);
	for (;;) {
		if ((p = realloc(buf, size)) == NULL) {
			free(buf);
			return NULL;
		}
		buf = p;
		if ((n = metrics_format(buf, size, &cache)) < size)
			break;
		size = n + 1024;
	}
	*len = n;
	return buf;
}

static enum MHD_Result
metrics_http_answer(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;
	size_t			 len;
	char			*text;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
		return metrics_http_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET\n", MHD_HTTP_METHOD_GET);
	if (strcmp(url, "/metrics") != 0)
		return metrics_http_reply(conn, MHD_HTTP_NOT_FOUND,
		    "not found: the metrics are at /metrics\n", NULL);
	if ((text = metrics_http_text(&len)) == NULL)
		return metrics_http_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "out of memory\n", NULL);
	if ((r = MHD_create_response_from_buffer(len, text,
	    MHD_RESPMEM_MUST_FREE)) == NULL) {
		free(text);
		return MHD_NO;
	}
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    CONTENT_TYPE);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

int
metrics_http_start(void)
{
	unsigned int	 flags = MHD_USE_INTERNAL_POLLING_THREAD |
			    MHD_USE_AUTO;

	if (listen_fd == -1)
		return 0;
	if (listen_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	httpd = MHD_start_daemon(flags, 0, NULL, NULL, metrics_http_answer,
	    NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_HTTP_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)METRICS_HTTP_IDLE_SECONDS,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)METRICS_HTTP_REQUEST_MAX,
	    MHD_OPTION_END);
	if (httpd == NULL) {
		log_msg(LOG_ERR, "cannot start the metrics endpoint");
		return -1;
	}
	return 0;
}

void
metrics_http_stop(void)
{
	if (httpd != NULL) {
		MHD_stop_daemon(httpd);	/* closes listen_fd too */
		httpd = NULL;
		listen_fd = -1;
	}
}
