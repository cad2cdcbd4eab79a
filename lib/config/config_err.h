/*
 * config_err.h - the size of the buffer a configuration's error message
 * ("FILE:LINE: message") is written into: config.h's callers and every
 * section's reader (config_read.h) use the one size.
 */
#ifndef MAILSWITCH_CONFIG_ERR_H
#define MAILSWITCH_CONFIG_ERR_H

#define CONFIG_ERR_MAX	1024	/* size for error buffers */

#endif /* MAILSWITCH_CONFIG_ERR_H */
