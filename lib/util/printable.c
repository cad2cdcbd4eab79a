/*
 * printable.c - see printable.h.
 */
#include "printable.h"

char *
printable_mask(char *s)
{
	for (char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}
