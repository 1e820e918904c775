/*
 * test_tree.h - a folder's whole state as text: every entry under it (the
 * folder itself included) with its type, mode, size and modification time
 * to the nanosecond, sorted. Two listings compare equal exactly when
 * nothing in the tree was created, removed, written or touched.
 */
#ifndef TEST_TREE_H
#define TEST_TREE_H

#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The listing of dir (heap; the caller frees it). */
static inline char *test_tree(const char *dir)
{
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "find '%s' -printf '%%P|%%y|%%m|%%s|%%T@\\n' | LC_ALL=C sort", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *text = NULL;
	size_t cap = 0;
	ssize_t n = getdelim(&text, &cap, '\0', p);
	assert_int_equal(pclose(p), 0);
	assert_true(n > 0);
	return text;
}

/* Fails, showing both, unless dir's listing is still `before`. */
static inline void test_tree_unchanged(const char *dir, const char *before)
{
	char *after = test_tree(dir);
	if (strcmp(before, after) != 0)
		fail_msg("%s changed:\nbefore:\n%s\nafter:\n%s", dir, before, after);
	free(after);
}

#endif
