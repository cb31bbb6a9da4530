/* SPDX-License-Identifier: MIT */
/*
 * err: names, messages and classes of mk_err, generated from the one MK_ERRORS list in minike.h,
 * plus the secret helpers every module uses (constant-time compare, wipe).
 */
#include <sodium.h>

#include "minike.h"

static const struct {
    const char *name;
    const char *str;
    mk_err_class_t cls;
} errs[] = {
#define MK_X_ROW(name, cls, str) {#name, str, MK_CLASS_##cls},
    MK_ERRORS(MK_X_ROW)
#undef MK_X_ROW
};

const char *mk_err_str(mk_err e)
{
    return (unsigned)e < MK_E__COUNT ? errs[e].str : "unknown error";
}

const char *mk_err_name(mk_err e)
{
    return (unsigned)e < MK_E__COUNT ? errs[e].name : "UNKNOWN";
}

mk_err_class_t mk_err_class(mk_err e)
{
    return (unsigned)e < MK_E__COUNT ? errs[e].cls : MK_CLASS_USAGE;
}

bool mk_ct_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

void mk_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}
