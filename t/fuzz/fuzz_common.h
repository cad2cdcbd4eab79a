/*
 * fuzz_common.h - what the fuzz targets share: stopping the run when an
 * invariant breaks, the shipped example (etc/mailswitch.conf with
 * etc/contacts.ldif), a file in memory for the loaders that read by name,
 * and a directory that fails on demand in front of the example's.
 *
 * Linked into both kinds of binary: fuzz_NAME (libFuzzer) and
 * fuzz_replay_NAME (replay.c).  Nothing here is thread-safe: a target
 * runs one input at a time.
 */
#ifndef MAILSWITCH_FUZZ_COMMON_H
#define MAILSWITCH_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "dir_fake.h"
#include "directory.h"

/* Every target's entry point (libFuzzer's, and replay.c calls it). */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run: "fuzz_TARGET: what" on stderr, then abort(). */
void	fuzz_fail(const char *target, const char *what)
	    __attribute__((noreturn));

/*
 * Writes the path of etc/NAME into buf: under $T_ETC when set, else found
 * from this file's own path (the source tree), else relative to the
 * current folder.  Returns buf.
 */
const char *fuzz_etc(const char *name, char *buf, size_t len);

/*
 * The example configuration and its LDIF directory, loaded on first use
 * and kept for the life of the process (the fuzzer's inputs never change
 * them).  A load that fails stops the run.
 */
const config_t	*fuzz_example_config(void);
directory_t	*fuzz_example_directory(void);

/*
 * Makes a file that holds exactly data[0 .. size) and returns its name,
 * "/proc/self/fd/N" of a memfd: the same file, rewritten on every call,
 * for loaders that read by name (the LDIF export, the configuration).
 * Stops the run when it cannot.
 */
const char *fuzz_memfile(const void *data, size_t size);

/*
 * Copies data[0 .. size) into a new NUL-terminated string (the caller
 * frees it) in which every line that begins with NEEDLE (any case, after
 * blanks) has it overwritten by as many 'X', so that an "include:" or
 * "@include" line of a fuzzed file reads no other file.  NULL when out of
 * memory.
 */
char	*fuzz_defuse(const uint8_t *data, size_t size, const char *needle);

/* The clock of fuzz_flaky_open()'s cache, in milliseconds; the caller
 * moves it. */
extern int64_t	fuzz_clock_ms;

/*
 * A directory in front of the example's that fails and answers oddly on
 * demand: a cache (ttl 300 s, negative_ttl 60 s, stale_ttl 3600 s, 64
 * entries, on fuzz_clock_ms) over dir_fake over fuzz_example_directory().
 * The fake, set in *fake for dir_fake_fail(), adds keys of its own:
 *   down@contoso.com, down@fourthcoffee.com (by target)   always fail
 *   twin@contoso.com, twin@fourthcoffee.com (by target)   two entries
 *   odd@contoso.com   a contact whose target is no address
 *   odd2@contoso.com  an entry whose primary is no address
 *   deep@contoso.com  a contact chain of its own: deep -> deep1 -> ...
 * Free with directory_close() (the example directory stays).
 */
directory_t *fuzz_flaky_open(dir_fake_t **fake);

#endif /* MAILSWITCH_FUZZ_COMMON_H */
