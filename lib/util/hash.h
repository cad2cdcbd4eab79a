/*
 * hash.h - the one string hash of lib/'s hash tables and sorted indexes
 * (the cache, the directory index, the replica's store).
 */
#ifndef MAILSWITCH_HASH_H
#define MAILSWITCH_HASH_H

#include <stdint.h>

/*
 * Returns a 64-bit hash of the string s, different for each seed (the
 * cache passes the lookup's kind; 0 elsewhere): FNV-1a over the seed's
 * octet and the string, then a finaliser that spreads every input bit
 * over the whole value, so that any of its bits may pick a bucket.  Pure
 * and thread-safe; not for anything an attacker must not collide.
 */
uint64_t hash_string(const char *s, unsigned char seed);

#endif /* MAILSWITCH_HASH_H */
