#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "unit.h"
#include "unit_util.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXN 8
#define BIG  1000

/*
 * A graph written as one string of dependencies per node: "1 2" means
 * the node depends on nodes 1 and 2. NULL ends the list.
 */
struct graph {
	struct plan_node nodes[MAXN];
	size_t deps[MAXN][MAXN];
	size_t n;
};

static void graph_build(struct graph *g, const char *const *spec,
			const double *timeouts)
{
	memset(g, 0, sizeof(*g));
	for (g->n = 0; g->n < MAXN && spec[g->n] != NULL; g->n++) {
		struct plan_node *node = &g->nodes[g->n];
		const char *p = spec[g->n];
		char *end;

		node->deps = g->deps[g->n];
		node->stop_timeout = timeouts != NULL ? timeouts[g->n] : 1;
		for (;;) {
			unsigned long d = strtoul(p, &end, 10);

			if (end == p)
				break;
			ck_assert_uint_lt(d, MAXN);
			g->deps[g->n][node->ndeps++] = d;
			p = end;
		}
	}
}

/* BIG nodes, each depending on the next (down) or the previous one. */
static struct plan_node *chain(int down, double timeout)
{
	struct plan_node *nodes = calloc(BIG, sizeof(*nodes));
	size_t *deps = calloc(BIG, sizeof(*deps));
	size_t i;

	ck_assert_ptr_nonnull(nodes);
	ck_assert_ptr_nonnull(deps);
	for (i = 0; i < BIG; i++) {
		nodes[i].stop_timeout = timeout;
		deps[i] = down ? i + 1 : i - 1;
		nodes[i].deps = &deps[i];
		nodes[i].ndeps = (down ? i + 1 < BIG : i > 0) ? 1 : 0;
	}
	return nodes;
}

static void chain_free(struct plan_node *nodes)
{
	free((void *)nodes[0].deps);
	free(nodes);
}

static int depends_on(const struct plan_node *nodes, size_t a, size_t b)
{
	size_t d;

	for (d = 0; d < nodes[a].ndeps; d++)
		if (nodes[a].deps[d] == b)
			return 1;
	return 0;
}

/* cycle[0..n) is a cycle in dependency order made of the nodes in want. */
static void expect_cycle(const struct plan_node *nodes, const size_t *cycle,
			 size_t n, const char *want)
{
	size_t k, j;

	for (k = 0; k < n; k++) {
		char id[8];

		ck_assert_msg(depends_on(nodes, cycle[k], cycle[(k + 1) % n]),
			      "%zu does not depend on %zu", cycle[k],
			      cycle[(k + 1) % n]);
		for (j = 0; j < k; j++)
			ck_assert_uint_ne(cycle[j], cycle[k]);
		snprintf(id, sizeof(id), " %zu ", cycle[k]);
		ck_assert_msg(strstr(want, id) != NULL, "%zu is not in '%s'",
			      cycle[k], want);
	}
}

static const struct {
	const char *spec[MAXN + 1];
	size_t len;	     /* of the cycle; 0: none */
	const char *members; /* " 1 2 " */
} cycles[] = {
	{ { NULL }, 0, "" },
	{ { "", "", "" }, 0, "" },
	{ { "1 2", "3", "3", "" }, 0, "" },	/* diamond */
	{ { "1", "2", "" }, 0, "" },		/* chain */
	{ { "", "0", "0 1", "0 1 2" }, 0, "" }, /* dense, acyclic */
	{ { "0" }, 1, " 0 " },			/* itself */
	{ { "1", "0" }, 2, " 0 1 " },
	{ { "1", "2", "0" }, 3, " 0 1 2 " },
	{ { "2", "0", "1" }, 3, " 0 1 2 " },
	{ { "", "2", "3", "1" }, 3, " 1 2 3 " }, /* not reachable from 0 */
	{ { "1", "2", "1" }, 2, " 1 2 " },	 /* 0 leads into it */
	{ { "1", "2 3", "", "4", "1" }, 3, " 1 3 4 " }, /* behind a dead end */
	{ { "", "", "", "", "", "", "7", "6" }, 2, " 6 7 " },
};

START_TEST(test_find_cycle)
{
	struct graph g;
	size_t cycle[MAXN], n;

	graph_build(&g, cycles[_i].spec, NULL);
	n = plan_find_cycle(g.nodes, g.n, cycle);
	ck_assert_uint_eq(n, cycles[_i].len);
	expect_cycle(g.nodes, cycle, n, cycles[_i].members);
}
END_TEST

START_TEST(test_find_cycle_big)
{
	struct plan_node *nodes = chain(1, 1);
	size_t *cycle = calloc(BIG, sizeof(*cycle)), back = 0, i;

	ck_assert_ptr_nonnull(cycle);
	ck_assert_uint_eq(plan_find_cycle(nodes, BIG, cycle), 0);
	/* Close the chain: the last node depends on the first. */
	nodes[BIG - 1].deps = &back;
	nodes[BIG - 1].ndeps = 1;
	ck_assert_uint_eq(plan_find_cycle(nodes, BIG, cycle), BIG);
	for (i = 0; i < BIG; i++)
		ck_assert(depends_on(nodes, cycle[i], cycle[(i + 1) % BIG]));
	chain_free(nodes);
	free(cycle);
}
END_TEST

static const struct {
	const char *spec[MAXN + 1];
	size_t nstart, nstop;
	int start[MAXN], stop[MAXN];
} levels[] = {
	{ { NULL }, 0, 0, { 0 }, { 0 } },
	{ { "" }, 1, 1, { 0 }, { 0 } },
	/* independent nodes: one level */
	{ { "", "", "" }, 1, 1, { 0, 0, 0 }, { 0, 0, 0 } },
	/* chain: 0 needs 1 needs 2 */
	{ { "1", "2", "" }, 3, 3, { 2, 1, 0 }, { 0, 1, 2 } },
	/* the same chain numbered the other way */
	{ { "", "0", "1" }, 3, 3, { 0, 1, 2 }, { 2, 1, 0 } },
	/* diamond */
	{ { "1 2", "3", "3", "" }, 3, 3, { 2, 1, 1, 0 }, { 0, 1, 1, 2 } },
	/* a long and a short branch: levels follow the longest path */
	{ { "1 3", "2", "", "" }, 3, 3, { 2, 1, 0, 0 }, { 0, 1, 2, 1 } },
	/* two separate chains and a loner */
	{ { "1", "", "3", "4", "", "" },
	  3,
	  3,
	  { 1, 0, 2, 1, 0, 0 },
	  { 0, 1, 0, 1, 2, 0 } },
};

/* Case i of levels: the start levels, or the stop levels. */
static void expect_levels(size_t i, int stop)
{
	const int *want = stop ? levels[i].stop : levels[i].start;
	struct graph g;
	int level[MAXN];
	size_t k;

	graph_build(&g, levels[i].spec, NULL);
	ck_assert_uint_eq(stop ? plan_stop_levels(g.nodes, g.n, level)
			       : plan_start_levels(g.nodes, g.n, level),
			  stop ? levels[i].nstop : levels[i].nstart);
	for (k = 0; k < g.n; k++)
		ck_assert_msg(level[k] == want[k],
			      "node %zu: level %d, want %d", k, level[k],
			      want[k]);
}

START_TEST(test_start_levels)
{
	expect_levels((size_t)_i, 0);
}
END_TEST

START_TEST(test_stop_levels)
{
	expect_levels((size_t)_i, 1);
}
END_TEST

/*
 * BIG nodes in one chain, both ways round: with down, node i depends on
 * i + 1, so each pass over the nodes in index order meets them in the
 * reverse of the order the levels follow from.
 */
static void big_levels(int stop)
{
	int down;

	for (down = 0; down <= 1; down++) {
		struct plan_node *nodes = chain(down, 1);
		int *level = calloc(BIG, sizeof(*level));
		size_t i;

		ck_assert_ptr_nonnull(level);
		ck_assert_uint_eq(stop ? plan_stop_levels(nodes, BIG, level)
				       : plan_start_levels(nodes, BIG, level),
				  BIG);
		for (i = 0; i < BIG; i++) {
			int start = down ? (int)(BIG - 1 - i) : (int)i;

			ck_assert_int_eq(level[i],
					 stop ? BIG - 1 - start : start);
		}
		free(level);
		chain_free(nodes);
	}
}

START_TEST(test_start_levels_big)
{
	big_levels(0);
}
END_TEST

START_TEST(test_stop_levels_big)
{
	big_levels(1);
}
END_TEST

static const struct {
	const char *spec[MAXN + 1];
	double timeouts[MAXN];
	double drain, straggler, want;
} worst[] = {
	{ { NULL }, { 0 }, 1, 2, 3 },
	{ { "" }, { 5 }, 0, 2, 7 },
	/* a chain adds up */
	{ { "1", "2", "" }, { 1, 2, 3 }, 1, 2, 9 },
	/* independent nodes stop together: the longest, not the sum */
	{ { "", "", "" }, { 4, 7, 2 }, 0, 2, 9 },
	/* diamond: 0 -> 1 -> 3 is 1 + 5 + 3, 0 -> 2 -> 3 only 1 + 2 + 3 */
	{ { "1 2", "3", "3", "" }, { 1, 5, 2, 3 }, 0.5, 1.5, 11 },
	{ { "1 2", "3", "3", "" }, { 1, 2, 5, 3 }, 0, 0, 9 },
	/* two chains: the longer one counts, even with fewer nodes */
	{ { "1", "2", "", "4", "" }, { 1, 1, 1, 5, 0.5 }, 0, 2, 7.5 },
	/* fractions */
	{ { "1", "" }, { 0.25, 0.5 }, 0.125, 0.125, 1 },
};

START_TEST(test_worst_case)
{
	struct graph g;

	graph_build(&g, worst[_i].spec, worst[_i].timeouts);
	ck_assert_double_eq_tol(plan_worst_case(g.nodes, g.n, worst[_i].drain,
						worst[_i].straggler),
				worst[_i].want, 1e-9);
}
END_TEST

/* prepare (oneshot) <- redis <- app <- web: the chain stops at redis. */
START_TEST(test_worst_case_oneshot)
{
	struct graph g;

	graph_build(&g, (const char *[]){ "", "0", "1", "2", NULL },
		    (const double[]){ 5, 3, 2, 2 });
	ck_assert_double_eq_tol(plan_worst_case(g.nodes, g.n, 0, 1),
				2 + 2 + 3 + 5 + 1, 1e-9);
	g.nodes[0].oneshot = 1;
	ck_assert_double_eq_tol(plan_worst_case(g.nodes, g.n, 0, 1),
				2 + 2 + 3 + 1, 1e-9);
	/* a long oneshot on its own still counts */
	g.nodes[0].stop_timeout = 20;
	ck_assert_double_eq_tol(plan_worst_case(g.nodes, g.n, 0, 1), 20 + 1,
				1e-9);
	/* without the flag, the chain would run through it */
	g.nodes[0].oneshot = 0;
	ck_assert_double_eq_tol(plan_worst_case(g.nodes, g.n, 0, 1),
				2 + 2 + 3 + 20 + 1, 1e-9);
}
END_TEST

START_TEST(test_worst_case_big)
{
	int down;

	for (down = 0; down <= 1; down++) {
		struct plan_node *nodes = chain(down, 0.5);

		ck_assert_double_eq_tol(plan_worst_case(nodes, BIG, 1, 2),
					1 + BIG * 0.5 + 2, 1e-6);
		chain_free(nodes);
	}
}
END_TEST

/* held[] for the graph g with running[]: asserted against want[]. */
static void expect_held(const struct graph *g, const int *running,
			const int *want)
{
	int held[8];
	size_t i;

	plan_held(g->nodes, g->n, running, held);
	for (i = 0; i < g->n; i++)
		ck_assert_msg(held[i] == want[i], "node %zu: held %d, want %d",
			      i, held[i], want[i]);
}

START_TEST(test_held)
{
	struct graph g;

	/* chain: 0 needs 1 needs 2 */
	graph_build(&g, (const char *[]){ "1", "2", "", NULL }, NULL);
	expect_held(&g, (int[]){ 1, 1, 1 }, (int[]){ 0, 1, 1 });
	expect_held(&g, (int[]){ 0, 1, 1 }, (int[]){ 0, 0, 1 });
	expect_held(&g, (int[]){ 0, 0, 1 }, (int[]){ 0, 0, 0 });
	/* whether the node itself runs does not matter */
	expect_held(&g, (int[]){ 1, 0, 0 }, (int[]){ 0, 1, 0 });

	/* diamond: 3 waits for both 1 and 2 */
	graph_build(&g, (const char *[]){ "1 2", "3", "3", "", NULL }, NULL);
	expect_held(&g, (int[]){ 0, 1, 0, 1 }, (int[]){ 0, 0, 0, 1 });
	expect_held(&g, (int[]){ 0, 0, 1, 1 }, (int[]){ 0, 0, 0, 1 });
	expect_held(&g, (int[]){ 0, 0, 0, 1 }, (int[]){ 0, 0, 0, 0 });
	expect_held(&g, (int[]){ 1, 1, 1, 1 }, (int[]){ 0, 1, 1, 1 });

	/* independent nodes: never held */
	graph_build(&g, (const char *[]){ "", "", NULL }, NULL);
	expect_held(&g, (int[]){ 1, 1 }, (int[]){ 0, 0 });
}
END_TEST

/*
 * The shutdown that runs (plan_held, round after round: what is not held
 * stops) stops each node in the round plan_stop_levels (what --check
 * prints) gives it, when every stop takes one round.
 */
START_TEST(test_held_plays_stop_levels)
{
	static const char *const graphs[][7] = {
		{ "1", "2", "", NULL },
		{ "1 2", "3", "3", "", NULL },
		{ "", "0", "0 1", "2", "", "4 0", NULL },
		{ "3", "3", "", "", "0 1 2", "4", NULL },
	};
	size_t k;

	for (k = 0; k < N(graphs); k++) {
		struct graph g;
		int level[8], running[8], held[8], round[8];
		size_t i, r, left;

		graph_build(&g, graphs[k], NULL);
		plan_stop_levels(g.nodes, g.n, level);
		for (i = 0; i < g.n; i++)
			running[i] = 1;
		for (r = 0, left = g.n; left > 0; r++) {
			ck_assert_uint_lt(r, g.n + 1);
			plan_held(g.nodes, g.n, running, held);
			for (i = 0; i < g.n; i++)
				if (running[i] && !held[i])
					round[i] = (int)r;
			for (i = 0; i < g.n; i++)
				if (running[i] && !held[i]) {
					running[i] = 0;
					left--;
				}
		}
		for (i = 0; i < g.n; i++)
			ck_assert_msg(
				round[i] == level[i],
				"graph %zu node %zu: stops in round %d, level %d",
				k, i, round[i], level[i]);
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("plan");
	TCase *tc;

	tc = unit_tcase(s, "plan_find_cycle");
	tcase_add_loop_test(tc, test_find_cycle, 0, N(cycles));
	tcase_add_test(tc, test_find_cycle_big);
	tc = unit_tcase(s, "plan_start_levels");
	tcase_add_loop_test(tc, test_start_levels, 0, N(levels));
	tcase_add_test(tc, test_start_levels_big);
	tc = unit_tcase(s, "plan_stop_levels");
	tcase_add_loop_test(tc, test_stop_levels, 0, N(levels));
	tcase_add_test(tc, test_stop_levels_big);
	tc = unit_tcase(s, "plan_worst_case");
	tcase_add_loop_test(tc, test_worst_case, 0, N(worst));
	tcase_add_test(tc, test_worst_case_big);
	tcase_add_test(tc, test_worst_case_oneshot);
	tc = unit_tcase(s, "plan_held");
	tcase_add_test(tc, test_held);
	tcase_add_test(tc, test_held_plays_stop_levels);
	return s;
}
