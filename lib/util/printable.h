/*
 * printable.h - text from outside (a configuration value, an LDIF line,
 * a server's message) made safe to show in a one-line message.
 */
#ifndef MAILSWITCH_PRINTABLE_H
#define MAILSWITCH_PRINTABLE_H

/*
 * Replaces every control character of s (below 0x20, and DEL) with '?',
 * in place, so that a message stays one line and sends nothing to a
 * terminal but text.  Other bytes (UTF-8) are kept.  Returns s.
 * Thread-safe.
 */
char	*printable_mask(char *s);

#endif /* MAILSWITCH_PRINTABLE_H */
