/*
 * startup_keys.c - the settings the daemon takes at start only, and the
 * warning a reload that changes one of them logs.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "startup_keys.h"

/* The start-only keys, in the order of mailswitch.conf. */
enum startup_key {
	KEY_SOCKET,
	KEY_SOCKETMAP,
	KEY_METRICS,
	KEY_USER,
	KEY_PIDFILE,
	KEY_COUNT
};

static const char *const startup_key_name[KEY_COUNT] = {
	[KEY_SOCKET] = "socket",
	[KEY_SOCKETMAP] = "socketmap",
	[KEY_METRICS] = "metrics",
	[KEY_USER] = "user",
	[KEY_PIDFILE] = "pidfile",
};

struct startup_keys {
	char	*value[KEY_COUNT];	/* NULL: not compared (user, not root) */
};

static const char *
config_value(const config_t *cfg, enum startup_key key)
{
	const char	*v = NULL;

	switch (key) {
	case KEY_SOCKET:	v = cfg->socket; break;
	case KEY_SOCKETMAP:	v = cfg->socketmap; break;
	case KEY_METRICS:	v = cfg->metrics; break;
	case KEY_USER:		v = cfg->user; break;
	case KEY_PIDFILE:	v = cfg->pidfile; break;
	case KEY_COUNT:		break;
	}
	return v != NULL ? v : "";
}

startup_keys_t *
startup_keys_take(const config_t *cfg, bool as_root)
{
	startup_keys_t	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	for (int i = 0; i < KEY_COUNT; i++) {
		if (i == KEY_USER && !as_root)
			continue;
		if ((k->value[i] = strdup(config_value(cfg, (enum startup_key)i))) == NULL) {
			startup_keys_free(k);
			return NULL;
		}
	}
	return k;
}

void
startup_keys_free(startup_keys_t *k)
{
	if (k == NULL)
		return;
	for (int i = 0; i < KEY_COUNT; i++)
		free(k->value[i]);
	free(k);
}

const char *
startup_keys_pidfile(const startup_keys_t *k)
{
	return k->value[KEY_PIDFILE];
}

/* How a value reads in the log: "(none)" for the empty string. */
static const char *
shown(const char *v)
{
	return v[0] != '\0' ? v : "(none)";
}

size_t
startup_keys_warn(const startup_keys_t *k, const config_t *loaded)
{
	const char	*now, *then;
	size_t		 n = 0;

	for (int i = 0; i < KEY_COUNT; i++) {
		if ((then = k->value[i]) == NULL)
			continue;
		now = config_value(loaded, (enum startup_key)i);
		if (strcmp(now, then) == 0)
			continue;
		log_msg(LOG_WARNING, "reload: '%s' changed to %s, which only a "
		    "restart applies: still %s until then",
		    startup_key_name[i], shown(now), shown(then));
		n++;
	}
	return n;
}
