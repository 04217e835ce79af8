/*
 * Start order, stop order and the worst case of a shutdown, from the
 * dependency graph alone. Pure: the same functions print the plan for
 * --check and drive the shutdown that runs.
 */
#ifndef TEND_PLAN_H
#define TEND_PLAN_H

#include <stddef.h>

struct plan_node {
	const size_t *deps; /* indices of the nodes this one depends on */
	size_t ndeps;
	double stop_timeout;
	int oneshot; /* done before any dependent starts: never stops along with one */
};

/*
 * Looks for a dependency cycle. Returns 0 when there is none; else the
 * number of nodes in one cycle, written to cycle (room for n entries) in
 * dependency order: cycle[0] depends on cycle[1] ... on cycle[0].
 */
size_t plan_find_cycle(const struct plan_node *nodes, size_t n, size_t *cycle);

/*
 * Start level of each node: 0 with no dependencies, else one more than its
 * highest dependency. Nodes of one level start together. The graph must be
 * acyclic. Returns the number of levels.
 */
size_t plan_start_levels(const struct plan_node *nodes, size_t n, int *level);

/*
 * Stop level of each node: 0 when nothing depends on it, else one more
 * than the highest of its dependents. A node stops once every dependent
 * has exited. Returns the number of levels.
 */
size_t plan_stop_levels(const struct plan_node *nodes, size_t n, int *level);

/*
 * Worst-case shutdown in seconds: drain + the longest chain of stop
 * timeouts along the stop order + straggler. A chain does not go through a
 * oneshot dependency: its dependents start only once it is done, so they
 * are never stopping while it still runs.
 */
double plan_worst_case(const struct plan_node *nodes, size_t n, double drain,
		       double straggler);

/*
 * The shutdown's rule for every node at once, in O(nodes + edges):
 * held[i] = 1 when a node in running[] depends on i (i must wait),
 * else 0. The running shutdown stops exactly the running nodes not held;
 * plan_stop_levels is the same rule played out from the start.
 */
void plan_held(const struct plan_node *nodes, size_t n, const int *running,
	       int *held);

#endif
