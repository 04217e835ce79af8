#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <confuse.h>

#include "confscan.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXS 4
#define MAXK 10

struct want_section {
	const char *kind, *title;
	int line;
};

struct want_key {
	const char *name;
	int section, line;
};

static struct confscan sc;

static void scan_ok(const char *text)
{
	char err[128] = "";
	int line = -1;

	ck_assert_msg(confscan_run(text, strlen(text), &sc, &line, err,
				   sizeof(err)) == 0,
		      "error at line %d: %s", line, err);
}

/* The sections and keys of sc are exactly these (NULL kind/name ends). */
static void expect_scan(const struct want_section *ws,
			const struct want_key *wk)
{
	size_t i;

	for (i = 0; ws[i].kind != NULL; i++) {
		ck_assert_msg(i < sc.nsections, "missing section %s",
			      ws[i].title);
		ck_assert_str_eq(sc.sections[i].kind, ws[i].kind);
		ck_assert_str_eq(sc.sections[i].title, ws[i].title);
		ck_assert_int_eq(sc.sections[i].line, ws[i].line);
	}
	ck_assert_uint_eq(sc.nsections, i);
	for (i = 0; wk[i].name != NULL; i++) {
		ck_assert_msg(i < sc.nkeys, "missing key %s", wk[i].name);
		ck_assert_msg(
			strcmp(sc.keys[i].name, wk[i].name) == 0 &&
				sc.keys[i].section == wk[i].section &&
				sc.keys[i].line == wk[i].line,
			"key %zu: got %s in %d at line %d, want %s in %d at line %d",
			i, sc.keys[i].name, sc.keys[i].section, sc.keys[i].line,
			wk[i].name, wk[i].section, wk[i].line);
	}
	ck_assert_msg(sc.nkeys == i, "%zu keys, want %zu", sc.nkeys, i);
}

static const struct {
	const char *text;
	struct want_section sections[MAXS];
	struct want_key keys[MAXK];
} good[] = {
	{ "", { { NULL, NULL, 0 } }, { { NULL, 0, 0 } } },
	{ "\n\n# only\n// comments\n/* and\n more */\n",
	  { { NULL, NULL, 0 } },
	  { { NULL, 0, 0 } } },
	/* comments of each kind, a block comment ending before a key */
	{ "# c = 1\n"
	  "// d = 2\n"
	  "/* e = 3\n"
	  "   f = 4 */ shutdown-timeout = 9\n"
	  "\n"
	  "drain-delay = 1 # g = 5\n"
	  "straggler-timeout = 2 // h = 6\n"
	  "log = x /* i = 7 */ j = 8\n",
	  { { 0 } },
	  { { "shutdown-timeout", -1, 4 },
	    { "drain-delay", -1, 6 },
	    { "straggler-timeout", -1, 7 },
	    { "log", -1, 8 },
	    { "j", -1, 8 },
	    { 0 } } },
	/* a section with strings and lists over several lines, += */
	{ "forward-signals = {\"USR1\",\n"
	  "   \"USR2\"}\n"
	  "service \"web\" {\n"
	  "  command = \"a\n"
	  "b # not a comment\"\n"
	  "  env += {\"A=1\"}\n"
	  "  depends = {\n"
	  "   \"db\",\n"
	  "   'x' }\n"
	  "  type = simple # trailing\n"
	  "}\n"
	  "service db { command = 'x\ny' stop-timeout = 5 }\n"
	  "include-dir = \"/etc/tend.d\"\n",
	  { { "service", "web", 3 }, { "service", "db", 12 }, { 0 } },
	  { { "forward-signals", -1, 1 },
	    { "command", 0, 4 },
	    { "env", 0, 6 },
	    { "depends", 0, 7 },
	    { "type", 0, 10 },
	    { "command", 1, 12 },
	    { "stop-timeout", 1, 13 },
	    { "include-dir", -1, 14 },
	    { 0 } } },
	/* escaped quotes and an escaped newline inside a string */
	{ "a = \"x \\\" # y\"\nb = \"p\\\nq\"\nc = 'it\\'s'\nd = 1\n",
	  { { 0 } },
	  { { "a", -1, 1 },
	    { "b", -1, 2 },
	    { "c", -1, 4 },
	    { "d", -1, 5 },
	    { 0 } } },
	/* += glued to the key, unquoted values with odd characters */
	{ "env+={\"A=1\"}\ncommand=/bin/sh\nu = -1.5e3\n",
	  { { 0 } },
	  { { "env", -1, 1 }, { "command", -1, 2 }, { "u", -1, 3 }, { 0 } } },
	/* the brace of a section on the next line; a section with no title */
	{ "service web\n{\n  user = root\n}\nother {\n x = 1 }\n",
	  { { "service", "web", 1 }, { "other", "", 5 }, { 0 } },
	  { { "user", 0, 3 }, { "x", 1, 6 }, { 0 } } },
	/* a function call at the top level is skipped */
	{ "include(\"x.conf\")\nservice a {\n command = x\n}\nb = 2\n",
	  { { "service", "a", 2 }, { 0 } },
	  { { "command", 0, 3 }, { "b", -1, 5 }, { 0 } } },
	/* a function call inside a section: the keys after it stay there */
	{ "service a {\n include(\"x\")\n command = x\n}\nb = 2\n",
	  { { "service", "a", 1 }, { 0 } },
	  { { "command", 0, 3 }, { "b", -1, 5 }, { 0 } } },
	/* stray tokens: skipped without error */
	{ "}\n) ,\n=\na = 1\n", { { 0 } }, { { "a", -1, 4 }, { 0 } } },
	/*
	 * As libconfuse reads them (found by fuzzing): "${...}" is one token,
	 * braces and all; the keys after it stay in their section.
	 */
	{ "service a {\n command = ${CMD:-x}\n restart = always\n}\n"
	  "service b {\n command = ${CMD}\n restart = always\n}\n",
	  { { "service", "a", 1 }, { "service", "b", 5 }, { 0 } },
	  { { "command", 0, 2 },
	    { "restart", 0, 3 },
	    { "command", 1, 6 },
	    { "restart", 1, 7 },
	    { 0 } } },
	/* '+' and '*' end a word; alone, libconfuse drops them */
	{ "+\nservice a {\n * command = x*\n}\nb = 1 +\nc += {y}\n",
	  { { "service", "a", 2 }, { 0 } },
	  { { "command", 0, 3 }, { "b", -1, 5 }, { "c", -1, 6 }, { 0 } } },
	/* a '"' inside "${...}" does not end the string; lines counted */
	{ "a = \"${X\"\n}\"\nb = 2\n",
	  { { 0 } },
	  { { "a", -1, 1 }, { "b", -1, 3 }, { 0 } } },
};

START_TEST(test_run_good)
{
	scan_ok(good[_i].text);
	expect_scan(good[_i].sections, good[_i].keys);
	confscan_free(&sc);
}
END_TEST

/* A text that may hold NUL bytes, and its length. */
#define TEXT(s) s, sizeof(s) - 1

static const struct {
	const char *text;
	size_t len;
	int line;
	const char *err;
} bad[] = {
	{ TEXT("a = \"x"), 1, "string not closed (missing \")" },
	{ TEXT("a = 1\n\nservice x {\n command = \"abc\n\n}\n"), 4,
	  "string not closed (missing \")" },
	{ TEXT("a = 'x\n"), 1, "string not closed (missing ')" },
	{ TEXT("a = 1\n/* open\n\n"), 2, "comment not closed" },
	{ TEXT("a = 1\n\nb = 2 /* x *"), 3, "comment not closed" },
	{ TEXT("/*/"), 1, "comment not closed" },
	{ TEXT("a = 1\n\0b = 2\n"), 2, "NUL byte in the file" },
	{ TEXT("a = \"x\ny\0\"\n"), 2, "NUL byte in the file" },
	{ TEXT("a = 1\nb = x\0\n"), 2, "NUL byte in the file" },
	{ TEXT("a = 1\nb = 2 # x\0y\nc = 3\n"), 2, "NUL byte in the file" },
	{ TEXT("a = 1\n/* x\n\0 */\nc = 3\n"), 3, "NUL byte in the file" },
};

START_TEST(test_run_bad)
{
	char err[128] = "";
	int line = -1;

	ck_assert_int_eq(confscan_run(bad[_i].text, bad[_i].len, &sc, &line,
				      err, sizeof(err)),
			 -1);
	ck_assert_int_eq(line, bad[_i].line);
	ck_assert_str_eq(err, bad[_i].err);
	/* Nothing left to free. */
	ck_assert_ptr_null(sc.sections);
	ck_assert_ptr_null(sc.keys);
}
END_TEST

START_TEST(test_run_length)
{
	/* Only len bytes count: the key after them is not seen. */
	const char *text = "a = 1\nb = 2\n";

	ck_assert_int_eq(
		confscan_run(text, 6, &sc, &(int){ 0 }, (char[8]){ 0 }, 8), 0);
	expect_scan((struct want_section[]){ { 0 } },
		    (struct want_key[]){ { "a", -1, 1 }, { 0 } });
	confscan_free(&sc);
}
END_TEST

START_TEST(test_key_line)
{
	scan_ok("user = a\n"
		"service s {\n"
		"  user = b\n"
		"  user = c\n"
		"}\n"
		"service t {\n"
		"  group = g\n"
		"}\n"
		"group = h\n");
	ck_assert_int_eq(confscan_key_line(&sc, -1, "user"), 1);
	ck_assert_int_eq(confscan_key_line(&sc, 0, "user"), 3); /* the first */
	ck_assert_int_eq(confscan_key_line(&sc, 1, "user"), 0);
	ck_assert_int_eq(confscan_key_line(&sc, 1, "group"), 7);
	ck_assert_int_eq(confscan_key_line(&sc, -1, "group"), 9);
	ck_assert_int_eq(confscan_key_line(&sc, 0, "group"), 0);
	ck_assert_int_eq(confscan_key_line(&sc, -1, "nope"), 0);
	ck_assert_int_eq(confscan_key_line(&sc, 7, "user"), 0);
	confscan_free(&sc);
}
END_TEST

START_TEST(test_nth_section)
{
	scan_ok("service a {}\nother b {}\nservice c {\n}\nservice d { x = 1 }\n");
	ck_assert_int_eq(confscan_nth_section(&sc, "service", 0), 0);
	ck_assert_int_eq(confscan_nth_section(&sc, "service", 1), 2);
	ck_assert_int_eq(confscan_nth_section(&sc, "service", 2), 3);
	ck_assert_int_eq(confscan_nth_section(&sc, "service", 3), -1);
	ck_assert_int_eq(confscan_nth_section(&sc, "other", 0), 1);
	ck_assert_int_eq(confscan_nth_section(&sc, "other", 1), -1);
	ck_assert_int_eq(confscan_nth_section(&sc, "nope", 0), -1);
	confscan_free(&sc);
	scan_ok("a = 1\n");
	ck_assert_int_eq(confscan_nth_section(&sc, "service", 0), -1);
	confscan_free(&sc);
}
END_TEST

START_TEST(test_free)
{
	scan_ok("service a { b = 1 }\n");
	confscan_free(&sc);
	ck_assert_ptr_null(sc.sections);
	ck_assert_ptr_null(sc.keys);
	ck_assert_uint_eq(sc.nsections, 0);
	ck_assert_uint_eq(sc.nkeys, 0);
	confscan_free(&sc); /* an emptied scan can be freed again */
}
END_TEST

START_TEST(test_many)
{
	enum {
		SECTIONS = 2000
	};
	size_t cap = SECTIONS * 64, len = 0, i;
	char *text = malloc(cap);

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < SECTIONS; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"service s%zu {\n command = x\n}\n", i);
	ck_assert_int_eq(confscan_run(text, len, &sc, &(int){ 0 },
				      (char[8]){ 0 }, 8),
			 0);
	ck_assert_uint_eq(sc.nsections, SECTIONS);
	ck_assert_uint_eq(sc.nkeys, SECTIONS);
	ck_assert_int_eq(sc.sections[SECTIONS - 1].line, 3 * SECTIONS - 2);
	ck_assert_int_eq(confscan_key_line(&sc, SECTIONS - 1, "command"),
			 3 * SECTIONS - 1);
	ck_assert_int_eq(confscan_nth_section(&sc, "service", SECTIONS - 1),
			 SECTIONS - 1);
	confscan_free(&sc);
	free(text);
}
END_TEST

/*
 * A name or title as the file spells it, and as libconfuse reads it (the
 * scan must read it the same way, or two spellings of one name would be
 * merged by libconfuse without a word).
 */
static const struct {
	const char *spelled, *read;
} names[] = {
	{ "plain", "plain" },
	{ "\"quoted\"", "quoted" },
	{ "'single'", "single" },
	{ "\"\\x61b\"", "ab" },
	{ "\"\\x6\"", "\x06" },
	{ "\"\\x4A\\x4a\"", "JJ" },
	{ "\"\\xg\"", "xg" },
	{ "\"\\141\\142c\"", "abc" },
	{ "\"\\101x\"", "Ax" },
	{ "\"a\\0b\"", "a" },
	{ "\"\\n\\t\\r\\e\\a\\b\\f\\v\"", "\n\t\r\033\a\b\f\v" },
	{ "\"\\q\\\\\\\"\"", "q\\\"" },
	{ "\"a\\\nb\"", "ab" },
	{ "\"a\nb\"", "a\nb" },
	{ "'a\\'b'", "a'b" },
	{ "'a\\\\b'", "a\\b" },
	{ "'a\\nb'", "a\\nb" },
	{ "'a\\\nb'", "ab" },
	{ "\"${TEND_T_NAME}\"", "web" },
	{ "\"x${TEND_T_NAME}y\"", "xweby" },
	{ "\"${TEND_T_UNSET}\"", "" },
	{ "\"${TEND_T_UNSET:-dflt}\"", "dflt" },
	{ "\"${TEND_T_NAME:-dflt}\"", "web" },
	{ "\"${TEND_T_UNSET:x}\"", "" },
	{ "\"${TEND_T_\"QUOTE}\"", "" },
	{ "${TEND_T_NAME}", "web" },
	{ "${TEND_T_UNSET:-bare}", "bare" },
	{ "${TEND_T_UNSET}", "" },
	{ "'${TEND_T_NAME}'", "${TEND_T_NAME}" },
	{ "\"$x{y\"", "$x{y" },
};

START_TEST(test_names_as_libconfuse)
{
	static cfg_opt_t inner[] = { CFG_STR("k", "", CFGF_NONE), CFG_END() };
	cfg_opt_t opts[] = { CFG_SEC("sec", inner, CFGF_MULTI | CFGF_TITLE),
			     CFG_END() };
	char text[256];
	cfg_t *cfg;

	setenv("TEND_T_NAME", "web", 1);
	unsetenv("TEND_T_UNSET");
	snprintf(text, sizeof(text), "sec %s {\n k = 1\n}\n",
		 names[_i].spelled);
	scan_ok(text);
	ck_assert_uint_eq(sc.nsections, 1);
	ck_assert_msg(strcmp(sc.sections[0].title, names[_i].read) == 0,
		      "%s: the scan reads '%s', want '%s'", names[_i].spelled,
		      sc.sections[0].title, names[_i].read);
	confscan_free(&sc);

	/* libconfuse itself reads it so */
	cfg = cfg_init(opts, CFGF_NONE);
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(cfg_parse_buf(cfg, text), CFG_SUCCESS);
	ck_assert_uint_eq(cfg_size(cfg, "sec"), 1);
	ck_assert_msg(strcmp(cfg_title(cfg_getnsec(cfg, "sec", 0)),
			     names[_i].read) == 0,
		      "%s: libconfuse reads '%s'", names[_i].spelled,
		      cfg_title(cfg_getnsec(cfg, "sec", 0)));
	cfg_free(cfg);

	/* a key's name too */
	if (strchr(names[_i].read, '\n') == NULL && names[_i].read[0] != '\0') {
		snprintf(text, sizeof(text), "sec s {\n %s = 1\n}\n",
			 names[_i].spelled);
		scan_ok(text);
		ck_assert_uint_eq(sc.nkeys, 1);
		ck_assert_str_eq(sc.keys[0].name, names[_i].read);
		confscan_free(&sc);
	}
}
END_TEST

/* The keys of each section are found among its own only, however many. */
START_TEST(test_key_ranges)
{
	scan_ok("a = 1\n"
		"service s {\n"
		"  x = 1\n"
		"  y = 2\n"
		"}\n"
		"b = 3\n"
		"service t {\n"
		"}\n"
		"service u {\n"
		"  x = 4\n"
		"  nested n { y = 5 }\n"
		"}\n"
		"c = 6\n");
	ck_assert_uint_eq(sc.nsections, 3);
	ck_assert_uint_eq(sc.sections[0].first_key, 1);
	ck_assert_uint_eq(sc.sections[0].nkeys, 2);
	ck_assert_uint_eq(sc.sections[1].nkeys, 0);
	ck_assert_uint_eq(sc.sections[2].first_key, 4);
	ck_assert_int_eq(confscan_key_line(&sc, 0, "y"), 4);
	ck_assert_int_eq(confscan_key_line(&sc, 1, "x"), 0);
	ck_assert_int_eq(confscan_key_line(&sc, 2, "x"), 10);
	ck_assert_int_eq(confscan_key_line(&sc, -1, "c"), 13);
	ck_assert_int_eq(confscan_key_line(&sc, -1, "x"), 0);
	confscan_free(&sc);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("confscan");
	TCase *tc = unit_tcase(s, "confscan_run");

	tcase_add_loop_test(tc, test_run_good, 0, N(good));
	tcase_add_loop_test(tc, test_run_bad, 0, N(bad));
	tcase_add_test(tc, test_run_length);
	tcase_add_test(tc, test_many);
	tcase_add_loop_test(tc, test_names_as_libconfuse, 0, N(names));
	tc = unit_tcase(s, "confscan_key_line");
	tcase_add_test(tc, test_key_line);
	tcase_add_test(tc, test_key_ranges);
	tc = unit_tcase(s, "confscan_nth_section");
	tcase_add_test(tc, test_nth_section);
	tc = unit_tcase(s, "confscan_free");
	tcase_add_test(tc, test_free);
	return s;
}
