/*
 * hash.c - see hash.h.
 */
#include "hash.h"

uint64_t
hash_string(const char *s, unsigned char seed)
{
	uint64_t	 h = 14695981039346656037ULL;

	h = (h ^ seed) * 1099511628211ULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}
