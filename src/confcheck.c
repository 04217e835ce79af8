#include "confcheck.h"

#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "signames.h"

void check_free_nodes(struct plan_node *nodes, size_t n)
{
	size_t i;

	if (nodes == NULL)
		return;
	for (i = 0; i < n; i++)
		free((void *)nodes[i].deps);
	free(nodes);
}

struct plan_node *check_nodes(const struct config *c)
{
	struct plan_node *nodes =
		calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*nodes));
	size_t i;

	if (nodes == NULL)
		return NULL;
	for (i = 0; i < c->nsvcs; i++) {
		const struct svc_conf *s = &c->svcs[i];
		size_t *deps, n = 0;
		char **d;

		for (d = s->depends; *d != NULL; d++)
			n++;
		deps = calloc(n + 1, sizeof(*deps));
		if (deps == NULL) {
			check_free_nodes(nodes, c->nsvcs);
			return NULL;
		}
		nodes[i].deps = deps;
		nodes[i].stop_timeout = s->stop_timeout;
		nodes[i].oneshot = s->type == SVC_ONESHOT;
		for (d = s->depends; *d != NULL; d++) {
			const struct svc_conf *t = conf_find(c, *d);

			if (t != NULL)
				deps[nodes[i].ndeps++] = (size_t)(t - c->svcs);
		}
	}
	return nodes;
}

static void print_levels(const struct config *c, const int *level,
			 size_t nlevels, int with_timeout, FILE *out)
{
	size_t l, i;

	for (l = 0; l < nlevels; l++) {
		const char *sep = "";
		char sig[16];

		fprintf(out, "  %zu:", l + 1);
		for (i = 0; i < c->nsvcs; i++) {
			const struct svc_conf *s = &c->svcs[i];

			if ((size_t)level[i] != l)
				continue;
			fprintf(out, "%s %s", sep, s->name);
			if (with_timeout)
				fprintf(out, " (%s, %gs)",
					sig_name(s->stop_signal, sig,
						 sizeof(sig)),
					s->stop_timeout);
			if (s->disabled)
				fprintf(out, " (disabled)");
			if (s->type == SVC_ONESHOT && !with_timeout)
				fprintf(out, " (oneshot)");
			sep = ",";
		}
		fputc('\n', out);
	}
}

int check_print(const struct config *c, FILE *out)
{
	struct plan_node *nodes = check_nodes(c);
	int *level = calloc(c->nsvcs ? c->nsvcs : 1, sizeof(*level));
	size_t nlevels;
	double worst;

	if (nodes == NULL || level == NULL) {
		check_free_nodes(nodes, c->nsvcs);
		free(level);
		return -1;
	}
	fprintf(out, "configuration OK: %s, %zu service%s\n", c->path, c->nsvcs,
		c->nsvcs == 1 ? "" : "s");
	nlevels = plan_start_levels(nodes, c->nsvcs, level);
	fprintf(out,
		"start order (each group starts once the one before is ready):\n");
	print_levels(c, level, c->nsvcs ? nlevels : 0, 0, out);
	nlevels = plan_stop_levels(nodes, c->nsvcs, level);
	fprintf(out,
		"stop order (each group stops once the one before has exited):\n");
	print_levels(c, level, c->nsvcs ? nlevels : 0, 1, out);
	worst = plan_worst_case(nodes, c->nsvcs, c->drain_delay,
				c->straggler_timeout);
	fprintf(out,
		"worst case: %gs (drain-delay %gs + the longest chain of stop-timeouts + straggler-timeout %gs); shutdown-timeout %gs\n",
		worst, c->drain_delay, c->straggler_timeout,
		c->shutdown_timeout);
	if (worst > c->shutdown_timeout)
		fprintf(out,
			"warning: the worst case exceeds shutdown-timeout: what is still running at %gs is killed\n",
			c->shutdown_timeout);
	check_free_nodes(nodes, c->nsvcs);
	free(level);
	return 0;
}
