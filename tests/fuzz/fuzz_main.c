/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_main.c - the CTest side of every fuzz target in tests/fuzz/: replays
 * a committed corpus through LLVMFuzzerTestOneInput(), then runs
 * deterministic pseudo-random mutations of each corpus file, so that an
 * ordinary ASan/UBSan test run can find crashes, not only re-check seeds.
 * Not linked into the libFuzzer builds (libFuzzer has its own main).
 *
 * usage: fuzz_X_replay [-n MUTATIONS_PER_FILE] [-t SECONDS] [-s SEED] PATH...
 * PATH: files or directories (not recursive). -t bounds the mutation phase
 * (the corpus itself is always replayed whole). A failing input is written
 * to ./fuzz-crash.bin before the target runs it, so a crash leaves it behind.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

#include "fuzz_target.h"

struct input {
	uint8_t *data;
	size_t len;
};

struct corpus {
	struct input *in;
	size_t n, cap;
};

static int load_file(struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	long len;
	uint8_t *buf;

	if (!f) {
		perror(path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (c->n == c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 64;
		struct input *in = realloc(c->in, ncap * sizeof(*in));

		if (!in) {
			free(buf);
			return -1;
		}
		c->in = in;
		c->cap = ncap;
	}
	c->in[c->n].data = buf;
	c->in[c->n].len = (size_t)len;
	c->n++;
	return 0;
}

static int load_path(struct corpus *c, const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load_file(c, path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char child[4096];
		struct stat cst;

		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >=
		    sizeof(child))
			continue;
		if (stat(child, &cst) != 0 || !S_ISREG(cst.st_mode))
			continue;
		if (load_file(c, child) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/* xorshift64*: deterministic, seedable, no global state */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static size_t below(uint64_t *s, size_t n)
{
	return n ? (size_t)(rnd(s) % n) : 0;
}

/* Values that sit on the edges of the formats: counts, lengths, versions. */
static const uint8_t interesting8[] = {0,  1,  2,  3,    4,    5,    8,    12,   16,  18,
                                       22, 27, 40, 0x3c, 0x7f, 0x80, 0xc9, 0xfe, 0xff};
static const uint16_t interesting16[] = {0,  1,  4,     8,      16,     27,     28,
                                         40, 41, 0x100, 0x7fff, 0x8000, 0xfffe, 0xffff};

/*
 * One mutation of src into dst (capacity cap >= src_len + 64).
 * Returns: the new length.
 */
static size_t mutate(uint64_t *s, const struct corpus *c, const uint8_t *src, size_t len,
                     uint8_t *dst, size_t cap)
{
	unsigned ops = 1 + (unsigned)below(s, 4), i;

	memcpy(dst, src, len);
	for (i = 0; i < ops; i++) {
		size_t at = below(s, len ? len : 1), n;

		switch (below(s, 9)) {
		case 0: /* flip a bit */
			if (len)
				dst[at] ^= (uint8_t)(1u << below(s, 8));
			break;
		case 1: /* an interesting byte */
			if (len)
				dst[at] = interesting8[below(s, sizeof(interesting8))];
			break;
		case 2: /* an interesting big-endian u16 */
			if (len >= 2) {
				uint16_t v = interesting16[below(s, sizeof(interesting16) / 2)];

				at = below(s, len - 1);
				dst[at] = (uint8_t)(v >> 8);
				dst[at + 1] = (uint8_t)v;
			}
			break;
		case 3: /* a random byte */
			if (len)
				dst[at] = (uint8_t)rnd(s);
			break;
		case 4: /* insert bytes */
			n = 1 + below(s, 8);
			if (len + n <= cap) {
				memmove(dst + at + n, dst + at, len - at);
				for (size_t k = 0; k < n; k++)
					dst[at + k] = (uint8_t)rnd(s);
				len += n;
			}
			break;
		case 5: /* delete bytes */
			n = 1 + below(s, 8);
			if (at + n <= len) {
				memmove(dst + at, dst + at + n, len - at - n);
				len -= n;
			}
			break;
		case 6: /* truncate */
			len = below(s, len + 1);
			break;
		case 7: /* duplicate a chunk in place of another */
			if (len >= 2) {
				size_t from = below(s, len), to = below(s, len);

				n = 1 + below(s, 16);
				if (from + n > len)
					n = len - from;
				if (to + n > len)
					n = len - to;
				memmove(dst + to, dst + from, n);
			}
			break;
		default: /* splice: a tail of another corpus file */
			if (c->n) {
				const struct input *o = &c->in[below(s, c->n)];
				size_t from = below(s, o->len + 1);

				n = o->len - from;
				if (at + n > cap)
					n = cap - at;
				memcpy(dst + at, o->data + from, n);
				len = at + n;
			}
			break;
		}
	}
	return len;
}

/* Run one input from an exactly-sized heap copy, so ASan sees any overread. */
static void run(const uint8_t *data, size_t len, bool save)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	if (len)
		memcpy(copy, data, len);
	if (save) {
		FILE *f = fopen("fuzz-crash.bin", "wb");

		if (f) {
			fwrite(copy, 1, len, f);
			fclose(f);
		}
	}
	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct corpus c = {0};
	unsigned long nmut = 0, done = 0;
	double limit = 15, start;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	bool save = getenv("FUZZ_SAVE_INPUT") != NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-n") && i + 1 < argc)
			nmut = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			limit = strtod(argv[++i], NULL);
		else if (!strcmp(argv[i], "-s") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0) | 1;
		else if (load_path(&c, argv[i]) != 0)
			return 1;
	}
	if (c.n == 0) {
		fprintf(stderr, "usage: %s [-n N] [-t S] [-s SEED] corpus...\n", argv[0]);
		return 1; /* an empty corpus tests nothing */
	}
	fuzz_target_init();
	for (size_t k = 0; k < c.n; k++)
		run(c.in[k].data, c.in[k].len, save);

	start = now_s();
	for (size_t k = 0; k < c.n && nmut; k++) {
		size_t cap = c.in[k].len + 4096;
		uint8_t *buf = malloc(cap);
		uint64_t s = seed ^ (k + 1) * UINT64_C(0x2545F4914F6CDD1D);

		if (!buf)
			return 1;
		for (unsigned long m = 0; m < nmut; m++) {
			size_t len = mutate(&s, &c, c.in[k].data, c.in[k].len, buf, cap);

			run(buf, len, save);
			done++;
			/* time is shared fairly: file k may use its slice of the budget */
			if ((m & 63) == 63 &&
			    now_s() - start > limit * (double)(k + 1) / (double)c.n)
				break;
		}
		free(buf);
	}
	fuzz_target_fini();
	printf("%s: %zu corpus inputs, %lu mutations in %.1f s\n", argv[0], c.n, done,
	       now_s() - start);
	for (size_t k = 0; k < c.n; k++)
		free(c.in[k].data);
	free(c.in);
	return 0;
}
