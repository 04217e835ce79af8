/*
 * The service and the reader of bench/logs.sh (compiled statically at run
 * time, like svc.c; its name, "blines", is unique in /proc).
 *
 *   blines BYTES [START_FILE]
 *       Writes BYTES bytes of 100-byte lines (99 bytes and '\n', numbered)
 *       to stdout, 64 KiB per write(2) as a program with a large stdio
 *       buffer does (so lines straddle writes), then exits 0. Exit 1 when
 *       a write fails. With START_FILE, first writes there the
 *       CLOCK_MONOTONIC time (seconds) at which it starts writing: the
 *       benchmark's clock starts with the service, not with the supervisor
 *       (supervisord spawns its programs a second after it starts).
 *   blines -s BYTES
 *       The reader at the far end of a pipe, as `cat >/dev/null`: reads
 *       stdin 128 KiB at a time (cat's size) until EOF. On stdout, one
 *       line when the BYTES-th byte has arrived, "reach T", and one at EOF,
 *       "eof TOTAL T" (T: CLOCK_MONOTONIC, seconds), each written at once.
 *       The first tells when the last byte of the output arrived, for a
 *       supervisor that does not exit; the second checks that nothing was
 *       lost or added.
 *
 * The lines are made once: 16,384 lines are 1,638,400 bytes, exactly 25
 * writes of 64 KiB, after which the pattern repeats, so the generator costs
 * nothing but its write calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_LEN  100
#define NLINES	  16384
#define WRITE_LEN 65536
#define READ_LEN  131072

static char pattern[LINE_LEN * NLINES];
static char rbuf[READ_LEN];

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes all of buf, across partial writes and EINTR; 0 or -1. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void fill(void)
{
	static const char filler[] =
		"the quick brown fox jumps over the lazy dog, "
		"then does it again for the log benchmark....";
	size_t i;

	for (i = 0; i < NLINES; i++) {
		char *l = pattern + i * LINE_LEN;

		/* 10 digits, a space, 88 bytes of text, '\n'. */
		snprintf(l, 12, "%010zu ", i);
		memcpy(l + 11, filler, LINE_LEN - 12);
		l[LINE_LEN - 1] = '\n';
	}
}

/* Writes the start time to path; the file is created, never appended to. */
static int mark_start(const char *path)
{
	char line[64];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int r;

	if (fd < 0)
		return -1;
	snprintf(line, sizeof(line), "%.6f\n", now_mono());
	r = write_all(fd, line, strlen(line));
	if (close(fd) < 0)
		r = -1;
	return r;
}

static int generate(unsigned long long total, const char *start_file)
{
	size_t off = 0;

	fill();
	if (start_file && mark_start(start_file) < 0) {
		perror("blines: start file");
		return 1;
	}
	while (total > 0) {
		size_t len = WRITE_LEN;

		if (len > total)
			len = (size_t)total;
		if (write_all(1, pattern + off, len) < 0) {
			perror("blines: write");
			return 1;
		}
		total -= len;
		off = (off + len) % sizeof(pattern);
	}
	return 0;
}

static void report(const char *line)
{
	if (write_all(1, line, strlen(line)) < 0)
		exit(1);
}

static int sink(unsigned long long expect)
{
	unsigned long long total = 0;
	char line[96];
	int reached = 0;

	for (;;) {
		ssize_t n = read(0, rbuf, sizeof(rbuf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("blines: read");
			return 1;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
		if (!reached && total >= expect) {
			reached = 1;
			snprintf(line, sizeof(line), "reach %.6f\n",
				 now_mono());
			report(line);
		}
	}
	snprintf(line, sizeof(line), "eof %llu %.6f\n", total, now_mono());
	report(line);
	return 0;
}

static unsigned long long parse_bytes(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end) {
		fprintf(stderr, "blines: bad byte count: %s\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "-s") != 0)
		return generate(parse_bytes(argv[1]),
				argc == 3 ? argv[2] : NULL);
	if (argc == 3 && strcmp(argv[1], "-s") == 0)
		return sink(parse_bytes(argv[2]));
	fprintf(stderr, "usage: blines BYTES [START_FILE] | blines -s BYTES\n");
	return 2;
}
