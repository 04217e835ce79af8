#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passwd.h"
#include "unit.h"

#define NONE  ((uid_t)-1)
#define NOGID ((gid_t)-1)
#define MAXG  6

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# bob:x:5:5:::\n"
			     "daemon:x:1:1::/:/usr/sbin/nologin\n"
			     "\n"
			     "bob:x:1000:1000:Bob:/home/bob:/bin/sh\n"
			     "alice:x:1001:100:Alice:/home/alice:/bin/sh\n"
			     "minimal:x:1003:1003\n"
			     "neg:x:-1:5:::\n"
			     "alpha:x:12x:1:::\n"
			     "huge:x:99999999999:1:::\n"
			     "max:x:4294967295:1:::\n"
			     "nogid:x:7::::\n"
			     "short:x:7\n"
			     ":x:8:8:::\n"
			     "toomany:x:9:9:a:b:c:d\n"
			     "plus:x:+9:9:::\n"
			     "dup:x:2000:2000:::\n"
			     "dup:x:2001:2001:::\n"
			     "carol:x:1002:1002:::"; /* no final newline */

static const char group[] =
	"root:x:0:\n"
	"staff:x:50:bob,alice\n"
	"wheel:x:10:alice,bob,carol\n"
	"bob:x:1000:bob\n"    /* bob's primary group: not supplementary */
	"users:x:100:alice\n" /* alice's primary group */
	"audio:x:29:bobby,xbob,bob\n"
	"video:x:44:bobby,bo,\n"
	"staff2:x:50:bob\n" /* gid 50 again: listed once */
	"broken:x:12x:bob\n"
	"#hidden:x:77:bob\n"
	"toolong:x:78:bob:extra\n"
	"nomembers:x:60\n"
	":x:79:bob\n"
	"empty:x::bob\n"
	"carols:x:1002:carol";

static const struct {
	const char *user, *group;
	uid_t uid;
	gid_t gid;
	gid_t groups[MAXG]; /* 0-terminated: gid 0 never shows up here */
} good[] = {
	{ "", "", NONE, NOGID, { 0 } },
	{ "", "staff", NONE, 50, { 0 } },
	{ "", "4242", NONE, 4242, { 0 } },
	{ "root", "", 0, 0, { 0 } },
	{ "bob", "", 1000, 1000, { 10, 29, 50 } },
	{ "1000", "", 1000, 1000, { 10, 29, 50 } },
	{ "01000", "", 1000, 1000, { 10, 29, 50 } },
	{ "bob", "wheel", 1000, 10, { 29, 50, 1000 } },
	{ "bob", "50", 1000, 50, { 10, 29, 1000 } },
	{ "bob", "5000", 1000, 5000, { 10, 29, 50, 1000 } },
	{ "alice", "", 1001, 100, { 10, 50 } },
	{ "carol", "", 1002, 1002, { 10 } },
	{ "daemon", "", 1, 1, { 0 } },
	{ "1", "", 1, 1, { 0 } },
	{ "minimal", "", 1003, 1003, { 0 } },
	{ "dup", "", 2000, 2000, { 0 } },
	/* a uid without an entry: gid 0 unless a group is given, no groups */
	{ "4242", "", 4242, 0, { 0 } },
	{ "4242", "staff", 4242, 50, { 0 } },
	{ "4242", "77", 4242, 77, { 0 } },
	{ "4294967294", "4294967294", 4294967294u, 4294967294u, { 0 } },
};

static const struct {
	const char *user, *group, *err;
} bad[] = {
	{ "nobody", "", "unknown user 'nobody'" },
	{ "bob", "nogroup", "unknown group 'nogroup'" },
	{ "", "nogroup", "unknown group 'nogroup'" },
	{ "12x", "", "invalid uid '12x'" },
	{ "-1", "", "invalid uid '-1'" },
	{ "+5", "", "invalid uid '+5'" },
	{ "99999999999", "", "invalid uid '99999999999'" },
	{ "4294967295", "", "invalid uid '4294967295'" },
	{ "bob", "12x", "invalid gid '12x'" },
	{ "", "-5", "invalid gid '-5'" },
	{ "1000", "4294967296", "invalid gid '4294967296'" },
	/* malformed lines never match */
	{ "neg", "", "unknown user 'neg'" },
	{ "alpha", "", "unknown user 'alpha'" },
	{ "huge", "", "unknown user 'huge'" },
	{ "max", "", "unknown user 'max'" },
	{ "nogid", "", "unknown user 'nogid'" },
	{ "short", "", "unknown user 'short'" },
	{ "toomany", "", "unknown user 'toomany'" },
	{ "plus", "", "unknown user 'plus'" },
	{ "# bob", "", "unknown user '# bob'" },
	{ "x", "", "unknown user 'x'" },
	{ "bob:x", "", "unknown user 'bob:x'" },
	{ "bob", "broken", "unknown group 'broken'" },
	{ "bob", "#hidden", "unknown group '#hidden'" },
	{ "bob", "toolong", "unknown group 'toolong'" },
	{ "bob", "empty", "unknown group 'empty'" },
	{ "bob", "x", "unknown group 'x'" },
};

static void expect_groups(const struct ids *ids, const gid_t *want)
{
	size_t n;

	for (n = 0; want[n] != 0; n++) {
		ck_assert_uint_gt(ids->ngroups, n);
		ck_assert_uint_eq(ids->groups[n], want[n]);
	}
	ck_assert_uint_eq(ids->ngroups, n);
}

static int resolve(const char *user, const char *grp, struct ids *ids,
		   char *err, size_t errlen)
{
	return ids_resolve_text(passwd, sizeof(passwd) - 1, group,
				sizeof(group) - 1, user, grp, ids, err, errlen);
}

START_TEST(test_good)
{
	struct ids ids;
	char err[128];

	ck_assert_msg(resolve(good[_i].user, good[_i].group, &ids, err,
			      sizeof(err)) == 0,
		      "'%s' '%s': %s", good[_i].user, good[_i].group, err);
	ck_assert_uint_eq(ids.uid, good[_i].uid);
	ck_assert_uint_eq(ids.gid, good[_i].gid);
	expect_groups(&ids, good[_i].groups);
	ids_free(&ids);
}
END_TEST

START_TEST(test_bad)
{
	struct ids ids;
	char err[128] = "";

	ck_assert_int_eq(resolve(bad[_i].user, bad[_i].group, &ids, err,
				 sizeof(err)),
			 -1);
	ck_assert_str_eq(err, bad[_i].err);
	ck_assert_ptr_null(ids.groups);
	ck_assert_uint_eq(ids.ngroups, 0);
}
END_TEST

START_TEST(test_empty_files)
{
	struct ids ids;
	char err[128];

	ck_assert_int_eq(ids_resolve_text("", 0, "", 0, "0", "", &ids, err,
					  sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.uid, 0);
	ck_assert_uint_eq(ids.gid, 0);
	ck_assert_uint_eq(ids.ngroups, 0);
	ck_assert_int_eq(ids_resolve_text("", 0, "", 0, "root", "", &ids, err,
					  sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "unknown user 'root'");
}
END_TEST

START_TEST(test_length_counts)
{
	const char pw[] = "bob:x:1:2:::\nbob:x:3:4:::";
	struct ids ids;
	char err[128];

	/* The first line cut short is malformed: the second one matches. */
	ck_assert_int_eq(ids_resolve_text(pw + 4, sizeof(pw) - 5, "", 0, "x",
					  "", &ids, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(ids_resolve_text(pw, 8, "", 0, "bob", "", &ids, err,
					  sizeof(err)),
			 -1);
	ck_assert_int_eq(ids_resolve_text(pw, sizeof(pw) - 1, "", 0, "bob", "",
					  &ids, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.uid, 1);
}
END_TEST

START_TEST(test_long_lines)
{
	enum {
		N = 100000
	};
	char *pw = malloc(N + 64), *gr = malloc(8 * N + 64), *p;
	size_t i;
	struct ids ids;
	char err[128];

	ck_assert_ptr_nonnull(pw);
	ck_assert_ptr_nonnull(gr);
	/* A huge gecos field, and bob last in a huge member list. */
	p = pw + sprintf(pw, "bob:x:5:6:");
	memset(p, 'g', N);
	strcpy(p + N, ":/:/bin/sh\n");
	p = gr + sprintf(gr, "big:x:7:");
	for (i = 0; i < N; i++)
		p += sprintf(p, "u%zu,", i);
	strcpy(p, "bob\n");
	ck_assert_int_eq(ids_resolve_text(pw, strlen(pw), gr, strlen(gr), "bob",
					  "", &ids, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.uid, 5);
	ck_assert_uint_eq(ids.gid, 6);
	expect_groups(&ids, (const gid_t[]){ 7, 0 });
	ids_free(&ids);
	free(pw);
	free(gr);
}
END_TEST

START_TEST(test_many_groups)
{
	enum {
		N = 5000
	};
	char *gr = malloc(2 * N * 32), *p = gr;
	size_t i;
	struct ids ids;
	char err[128];

	ck_assert_ptr_nonnull(gr);
	/* Every gid twice, in descending order: sorted and unique. */
	for (i = 0; i < 2 * N; i++)
		p += sprintf(p, "g%zu:x:%zu:a,bob\n", i, 10000 + N - i % N);
	ck_assert_int_eq(ids_resolve_text(passwd, sizeof(passwd) - 1, gr,
					  (size_t)(p - gr), "bob", "", &ids,
					  err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.ngroups, N);
	for (i = 0; i < N; i++)
		ck_assert_uint_eq(ids.groups[i], 10000 + i + 1);
	ids_free(&ids);
	free(gr);
}
END_TEST

static const char *tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");

	return tmp != NULL && *tmp != '\0' ? tmp : "/tmp";
}

/* A new temporary file holding data; with data NULL, a path to nothing. */
static char *tmp_file(const char *data)
{
	char *path;
	int fd;

	ck_assert_int_ge(asprintf(&path, "%s/check-passwd-XXXXXX", tmpdir()),
			 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	if (data != NULL)
		ck_assert_int_eq(write(fd, data, strlen(data)),
				 (ssize_t)strlen(data));
	close(fd);
	if (data == NULL)
		unlink(path);
	return path;
}

static void tmp_done(char *path)
{
	unlink(path);
	free(path);
}

START_TEST(test_files)
{
	char *pw = tmp_file(passwd), *gr = tmp_file(group);
	struct ids ids;
	char err[256];

	ck_assert_int_eq(ids_resolve(pw, gr, "bob", "", &ids, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.uid, 1000);
	ck_assert_uint_eq(ids.gid, 1000);
	expect_groups(&ids, (const gid_t[]){ 10, 29, 50, 0 });
	ids_free(&ids);
	ck_assert_int_eq(ids_resolve(pw, gr, "bob", "nogroup", &ids, err,
				     sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "unknown group 'nogroup'");
	tmp_done(pw);
	tmp_done(gr);
}
END_TEST

START_TEST(test_missing_files)
{
	char *pw = tmp_file(NULL), *gr = tmp_file(NULL);
	struct ids ids;
	char err[256];

	ck_assert_int_eq(
		ids_resolve(pw, gr, "1234", "", &ids, err, sizeof(err)), 0);
	ck_assert_uint_eq(ids.uid, 1234);
	ck_assert_uint_eq(ids.gid, 0);
	ck_assert_int_eq(ids_resolve(pw, gr, "", "55", &ids, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(ids.uid, NONE);
	ck_assert_uint_eq(ids.gid, 55);
	ck_assert_int_eq(
		ids_resolve(pw, gr, "root", "", &ids, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown user 'root'");
	tmp_done(gr);
	gr = tmp_file(group);
	ck_assert_int_eq(
		ids_resolve(pw, gr, "", "staff", &ids, err, sizeof(err)), 0);
	ck_assert_uint_eq(ids.gid, 50);
	tmp_done(pw);
	tmp_done(gr);
}
END_TEST

START_TEST(test_unreadable_file)
{
	char *pw = tmp_file(passwd), want[256], err[256];
	struct ids ids;

	/* A directory is neither empty nor readable: an error, not "empty". */
	ck_assert_int_eq(ids_resolve(pw, tmpdir(), "bob", "", &ids, err,
				     sizeof(err)),
			 -1);
	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir());
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(ids.groups);
	tmp_done(pw);
}
END_TEST

START_TEST(test_ids_free)
{
	struct ids ids;
	char err[128];

	ck_assert_int_eq(resolve("bob", "", &ids, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(ids.groups);
	ids_free(&ids);
	ck_assert_ptr_null(ids.groups);
	ck_assert_uint_eq(ids.ngroups, 0);
	ids_free(&ids); /* twice is harmless */
	ck_assert_int_eq(resolve("root", "", &ids, err, sizeof(err)), 0);
	ck_assert_ptr_null(ids.groups);
	ids_free(&ids);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = tcase_create("ids_resolve_text");

	tcase_add_loop_test(tc, test_good, 0, sizeof(good) / sizeof(good[0]));
	tcase_add_loop_test(tc, test_bad, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_empty_files);
	tcase_add_test(tc, test_length_counts);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_many_groups);
	suite_add_tcase(s, tc);
	tc = tcase_create("ids_resolve");
	tcase_add_test(tc, test_files);
	tcase_add_test(tc, test_missing_files);
	tcase_add_test(tc, test_unreadable_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("ids_free");
	tcase_add_test(tc, test_ids_free);
	suite_add_tcase(s, tc);
	return s;
}
