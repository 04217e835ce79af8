/*
 * ids_resolve_text: the input is four parts cut at NUL bytes: the passwd
 * text, the group text, the user and the group (as a service's user and
 * group keys give them). What it resolves must hold together.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "passwd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	size_t plen, glen, i;
	char *ptext = fuzz_part(&p, end, &plen);
	char *gtext = fuzz_part(&p, end, &glen);
	char *user = fuzz_part(&p, end, NULL);
	char *group = fuzz_part(&p, end, NULL);
	struct ids ids;
	char err[256];

	err[0] = '\0';
	if (ids_resolve_text(ptext, plen, gtext, glen, user, group, &ids, err,
			     sizeof(err)) < 0) {
		FUZZ_CHECK(err[0] != '\0');
		FUZZ_CHECK(ids.groups == NULL && ids.ngroups == 0);
	} else {
		FUZZ_CHECK((user[0] == '\0') == (ids.uid == (uid_t)-1));
		FUZZ_CHECK((user[0] == '\0' && group[0] == '\0') ==
			   (ids.gid == (gid_t)-1));
		FUZZ_CHECK(ids.ngroups <= NGROUPS_MAX);
		FUZZ_CHECK(user[0] != '\0' || ids.ngroups == 0);
		/* sorted, without duplicates, without the primary group */
		for (i = 0; i < ids.ngroups; i++) {
			FUZZ_CHECK(ids.groups[i] != ids.gid);
			FUZZ_CHECK(i == 0 || ids.groups[i - 1] < ids.groups[i]);
		}
		ids_free(&ids);
	}
	free(ptext);
	free(gtext);
	free(user);
	free(group);
	return 0;
}
