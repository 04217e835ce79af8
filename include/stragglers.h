/* The processes left once the services ended: signal them, name them. */
#ifndef TEND_STRAGGLERS_H
#define TEND_STRAGGLERS_H

/*
 * Send sig to every straggler. As PID 1: every other process of the PID
 * namespace (kill(-1)). Otherwise: every child of tend (found in /proc).
 * Returns how many got it (as PID 1: 1 when any did).
 */
int stragglers_signal(int sig, int pid1);

/* Log, at error level, each remaining child: pid, name, state. */
void stragglers_report(void);

#endif
