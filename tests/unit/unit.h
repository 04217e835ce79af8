/* Each check_<module>.c defines its suite; runner.c runs it. */
#ifndef TEND_UNIT_H
#define TEND_UNIT_H

#include <check.h>

Suite *unit_suite(void);

#endif
