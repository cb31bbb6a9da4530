/* SPDX-License-Identifier: MIT */
/*
 * names: the text of the public enums (minike_tools.h): each mk_err's name and message, generated
 * from the one MK_ERRORS list in minike.h, and each mk_state's name. The core uses them only in
 * trace details (MK_TRACE); the CLI, harness and tests print them. It must never hold state.
 */
#include "minike_tools.h"

/* Built from the same X-macro list as the enum, so row e is the row of error e by construction. */
static const struct {
    const char *name;
    const char *str;
} errs[] = {
#define MK_X_ROW(name, cls, str) {#name, str},
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

/* Indexed by mk_state, so the order must follow the enum; an out-of-range value (a corrupted or
 * uninitialised mk_ike) prints as "?" instead of indexing past the table. */
static const char *const state_names[] = {
    "IDLE", "INIT_SENT", "AUTH_SENT", "ESTABLISHED", "DELETE_SENT", "CLOSED", "FAILED",
};

const char *mk_state_name(mk_state st)
{
    return (unsigned)st < sizeof state_names / sizeof state_names[0] ? state_names[st] : "?";
}
