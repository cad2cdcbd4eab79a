/*
 * replay.c - runs saved inputs through a fuzz target without libFuzzer, so
 * that the seed corpora (and any crash file) run with every compiler.
 *
 * usage: fuzz_replay_NAME FILE|DIRECTORY...
 * Each file, and each file directly inside each directory (dot files
 * skipped), is read whole and given to LLVMFuzzerTestOneInput once.
 * Exits 0 when at least one input ran, 1 otherwise or on a read error; a
 * failing input aborts (as under libFuzzer).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Feeds the file path to the target.  Returns 0, or -1 on a read error. */
static int
replay_file(const char *path)
{
	FILE		*fp;
	uint8_t		*buf = NULL, *nb;
	size_t		 len = 0, cap = 0, n;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*dir;
	char		 path[4096];
	int		 i, ran = 0, bad = 0;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (replay_file(argv[i]) == -1)
				bad = 1;
			else
				ran++;
			continue;
		}
		if ((dir = opendir(argv[i])) == NULL) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s",
			    argv[i], de->d_name) >= sizeof(path) ||
			    stat(path, &st) == -1 || !S_ISREG(st.st_mode))
				continue;
			if (replay_file(path) == -1)
				bad = 1;
			else
				ran++;
		}
		closedir(dir);
	}
	printf("%d inputs replayed\n", ran);
	return bad || ran == 0 ? 1 : 0;
}
