#include "plan.h"

#include <stdlib.h>
#include <string.h>

enum {
	WHITE,
	GREY,
	BLACK
};

/* Iterative DFS so a long chain of thousands cannot overflow the stack. */
size_t plan_find_cycle(const struct plan_node *nodes, size_t n, size_t *cycle)
{
	unsigned char *color = calloc(n ? n : 1, 1);
	size_t *stack = malloc((n ? n : 1) * sizeof(*stack));
	size_t *next = calloc(n ? n : 1, sizeof(*next));
	size_t root, found = 0;

	if (color == NULL || stack == NULL || next == NULL)
		goto out;
	for (root = 0; root < n && found == 0; root++) {
		size_t depth = 0;

		if (color[root] != WHITE)
			continue;
		stack[depth++] = root;
		color[root] = GREY;
		while (depth > 0 && found == 0) {
			size_t v = stack[depth - 1];

			if (next[v] < nodes[v].ndeps) {
				size_t w = nodes[v].deps[next[v]++];

				if (color[w] == GREY) {
					size_t k = depth;

					/* the cycle is stack[k..depth) from w */
					while (k > 1 && stack[k - 1] != w)
						k--;
					for (k = k - 1; k < depth; k++)
						cycle[found++] = stack[k];
				} else if (color[w] == WHITE) {
					color[w] = GREY;
					stack[depth++] = w;
				}
			} else {
				color[v] = BLACK;
				depth--;
			}
		}
	}
out:
	free(color);
	free(stack);
	free(next);
	return found;
}

/*
 * Longest path, in edges, to each node: along the dependency edges
 * (upward = 0: a node is one more than its highest dependency) or against
 * them (upward = 1: a dependency is one more than its highest dependent).
 * Relaxation: at most n rounds on an acyclic graph. Returns the levels.
 */
static size_t longest_paths(const struct plan_node *nodes, size_t n, int *level,
			    int upward)
{
	size_t i, levels = 0, changed = 1;

	for (i = 0; i < n; i++)
		level[i] = 0;
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			size_t d;

			for (d = 0; d < nodes[i].ndeps; d++) {
				size_t dep = nodes[i].deps[d];
				size_t to = upward ? dep : i,
				       from = upward ? i : dep;

				if (level[to] < level[from] + 1) {
					level[to] = level[from] + 1;
					changed = 1;
				}
			}
		}
	}
	for (i = 0; i < n; i++)
		if ((size_t)level[i] + 1 > levels)
			levels = (size_t)level[i] + 1;
	return levels;
}

size_t plan_start_levels(const struct plan_node *nodes, size_t n, int *level)
{
	return longest_paths(nodes, n, level, 0);
}

size_t plan_stop_levels(const struct plan_node *nodes, size_t n, int *level)
{
	return longest_paths(nodes, n, level, 1);
}

double plan_worst_case(const struct plan_node *nodes, size_t n, double drain,
		       double straggler)
{
	/* finish[i]: time from the first stop signal until i surely exited. */
	double *finish = calloc(n ? n : 1, sizeof(*finish)), worst = 0;
	size_t i, changed = 1;

	if (finish == NULL)
		return -1;
	for (i = 0; i < n; i++)
		finish[i] = nodes[i].stop_timeout;
	while (changed) {
		changed = 0;
		for (i = 0; i < n; i++) {
			size_t d;

			for (d = 0; d < nodes[i].ndeps; d++) {
				size_t dep = nodes[i].deps[d];
				double want =
					finish[i] + nodes[dep].stop_timeout;

				if (nodes[dep].oneshot)
					continue;
				if (finish[dep] < want) {
					finish[dep] = want;
					changed = 1;
				}
			}
		}
	}
	for (i = 0; i < n; i++)
		if (finish[i] > worst)
			worst = finish[i];
	free(finish);
	return drain + worst + straggler;
}

void plan_held(const struct plan_node *nodes, size_t n, const int *running,
	       int *held)
{
	size_t i, d;

	for (i = 0; i < n; i++)
		held[i] = 0;
	for (i = 0; i < n; i++)
		if (running[i])
			for (d = 0; d < nodes[i].ndeps; d++)
				held[nodes[i].deps[d]] = 1;
}
