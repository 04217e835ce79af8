/* tend --check: the config's verdict, start order and shutdown plan. */
#ifndef TEND_CONFCHECK_H
#define TEND_CONFCHECK_H

#include <stdio.h>

#include "conf.h"

/*
 * Prints "configuration OK", the start groups, the stop layers and the
 * worst-case shutdown to out (a warning when it exceeds shutdown-timeout).
 * Returns 0, or -1 when out of memory.
 */
int check_print(const struct config *c, FILE *out);

/*
 * The plan nodes of c's services (deps resolved to indices), for plan.c.
 * Returns a malloc'd array of c->nsvcs nodes (free with check_free_nodes).
 */
struct plan_node *check_nodes(const struct config *c);
void check_free_nodes(struct plan_node *nodes, size_t n);

#endif
