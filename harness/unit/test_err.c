/* SPDX-License-Identifier: MIT */
/*
 * test_err: every error keeps the class its row in minike.h's MK_ERRORS list gives it, although
 * err.c derives the class from the error's range instead of a table; values outside the list are
 * USAGE (never DROP); names and messages (names.c) follow the same rows.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "minike_tools.h"

static const struct {
    mk_err e;
    mk_err_class_t cls;
    const char *name, *str;
} rows[] = {
#define ROW(name, cls, str) {MK_E_##name, MK_CLASS_##cls, #name, str},
    MK_ERRORS(ROW)
#undef ROW
};

Test(err, every_error_has_the_class_of_its_row)
{
    cr_assert_eq(sizeof rows / sizeof rows[0], (size_t)MK_E__COUNT);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        cr_assert_eq(mk_err_class(rows[i].e), rows[i].cls, "%s", rows[i].name);
        cr_assert_str_eq(mk_err_name(rows[i].e), rows[i].name);
        cr_assert_str_eq(mk_err_str(rows[i].e), rows[i].str);
    }
    cr_assert_eq(mk_err_class(MK_E_OK), MK_CLASS_NONE);
    cr_assert_eq(mk_err_class(MK_E_TRUNCATED), MK_CLASS_DROP);
    cr_assert_eq(mk_err_class(MK_E_TIMEOUT), MK_CLASS_FATAL);
    cr_assert_eq(mk_err_class(MK_E_BUF_TOO_SMALL), MK_CLASS_USAGE);
}

Test(err, out_of_range_is_usage_never_drop)
{
    const int bad[] = {MK_E__COUNT, MK_E__COUNT + 1, 1000, -1, -1000};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(mk_err_class((mk_err)bad[i]), MK_CLASS_USAGE, "%d", bad[i]);
        cr_assert_str_eq(mk_err_name((mk_err)bad[i]), "UNKNOWN");
    }
}
