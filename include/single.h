/* Single-command mode: tend as tini, one command, signals passed on. */
#ifndef TEND_SINGLE_H
#define TEND_SINGLE_H

#include "args.h"

/* Runs the command of a; returns tend's exit code once no child is left. */
int single_run(const struct args *a);

#endif
