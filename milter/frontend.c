/*
 * frontend.c - see frontend.h: the table of front ends, and the few lines
 * that fit each front end's own functions to its columns.
 */
#include <sysexits.h>

#include "callbacks.h"
#include "frontend.h"
#include "metrics_http.h"
#include "socketmap.h"

static const char *
frontend_milter_spec(const config_t *cfg)
{
	return cfg->socket;
}

static const char *
frontend_socketmap_spec(const config_t *cfg)
{
	return cfg->socketmap;
}

static const char *
frontend_metrics_spec(const config_t *cfg)
{
	return cfg->metrics;
}

/* The socketmap's socket: a failure to open it is EX_UNAVAILABLE. */
static int
frontend_socketmap_open(const char *spec, char *err, size_t errlen)
{
	return socketmap_open(spec, err, errlen) == -1 ? EX_UNAVAILABLE : EX_OK;
}

/* The metrics endpoint's socket: a failure to open it is EX_UNAVAILABLE. */
static int
frontend_metrics_open(const char *spec, char *err, size_t errlen)
{
	return metrics_http_open(spec, err, errlen) == -1 ? EX_UNAVAILABLE :
	    EX_OK;
}

/* In the order they are opened, started and stopped. */
static const frontend_t frontend_table[FRONTEND_COUNT] = {
	[FRONTEND_MILTER] = {
		.name = "milter", .work = "message",
		.spec = frontend_milter_spec, .open = callbacks_open,
		.run = callbacks_run, .stop = callbacks_stop,
		.in_flight = callbacks_in_flight,
	},
	[FRONTEND_SOCKETMAP] = {
		.name = "socketmap", .work = "socketmap request",
		.spec = frontend_socketmap_spec, .open = frontend_socketmap_open,
		.start = socketmap_start, .stop = socketmap_stop,
		.in_flight = socketmap_in_flight,
	},
	[FRONTEND_METRICS] = {
		.name = "metrics",
		.spec = frontend_metrics_spec, .open = frontend_metrics_open,
		.start = metrics_http_start, .stop = metrics_http_stop,
		.stop_after_drain = true,
	},
};

const frontend_t *
frontend_get(frontend_id_t id)
{
	return &frontend_table[id];
}

bool
frontend_on(const frontend_t *f, const config_t *cfg)
{
	return f->spec(cfg)[0] != '\0';
}
