/* SPDX-License-Identifier: MIT */
/*
 * chk_judge: the verdict of one case from what the initiator put on the wire (the recorded
 * datagrams) and the facts the responder kept. Each judge says PASS / FAIL / INFO with a one-line
 * reason; `decided` lets the engine end a case as soon as the outcome cannot change.
 */
#include <string.h>

#include "chk.h"

const char *chk_verdict_name(chk_verdict v)
{
    switch (v) {
    case CHK_PASS: return "PASS";
    case CHK_FAIL: return "FAIL";
    case CHK_INFO: return "INFO";
    case CHK_NA: return "N/A";
    default: return "ERROR";
    }
}

/* The k-th received IKE request of exchange `ex` (k from 0), parsed; NULL if none. */
static const chk_ev *nth_req(const chk_run *r, uint8_t ex, int k, mk_msg *m)
{
    for (size_t i = 0; i < r->n_ev; i++) {
        const chk_ev *e = &r->ev[i];
        if (!e->rx || e->esp || e->buf == NULL || e->len > CHK_EV_BUF)
            continue;
        if (mk_msg_parse(m, e->buf, e->len) != MK_E_OK)
            continue;
        if (m->hdr.exchange != ex || (m->hdr.flags & MK_HDR_F_RESPONSE))
            continue;
        if (k-- == 0)
            return e;
    }
    return NULL;
}

/* The SPIi with the most requests of exchange ex: the attempt the case is about (a daemon may
 * also start a short-lived one, reviving an earlier connection). false if none. */
static bool main_spi(const chk_run *r, uint8_t ex, uint8_t spi[8])
{
    mk_msg m;
    const chk_ev *e;
    int best = 0;
    for (int k = 0; (e = nth_req(r, ex, k, &m)) != NULL; k++) {
        int c = 0;
        const chk_ev *f;
        mk_msg m2;
        for (int j = 0; (f = nth_req(r, ex, j, &m2)) != NULL; j++)
            c += memcmp(f->buf, e->buf, 8) == 0;
        if (c > best) {
            best = c;
            memcpy(spi, e->buf, 8);
        }
    }
    return best > 0;
}

static int count_req(const chk_run *r, uint8_t ex)
{
    mk_msg m;
    int n = 0;
    while (nth_req(r, ex, n, &m) != NULL)
        n++;
    return n;
}

#define SAY(...) snprintf(why, cap, __VA_ARGS__)

static const char *acc(const chk_run *r)
{
    return r->f.accepted_how ? r->f.accepted_how : "?";
}

static chk_verdict j_establish(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.accepted) {
        *dec = true;
        SAY("established (%s at %u ms)", acc(r), r->f.accepted_ms);
        return CHK_PASS;
    }
    if (!final)
        return CHK_PASS;
    if (r->f.init_good_sent == 0)
        SAY("no valid IKE_SA_INIT answer was ever sent (%d requests)%s%s", r->f.init_reqs,
            r->f.note[0] ? ": " : "", r->f.note);
    else if (r->f.auth_reqs == 0)
        SAY("did not continue with IKE_AUTH after a valid IKE_SA_INIT answer (%d IKE_SA_INIT "
            "requests)", r->f.init_reqs);
    else if (r->f.error_info)
        SAY("refused the IKE SA: INFORMATIONAL with %s", mk_notify_name(r->f.error_info_type));
    else
        SAY("no sign the IKE SA is up after a valid IKE_AUTH answer (no Delete, ESP or probe "
            "answer; %d IKE_AUTH requests)%s%s",
            r->f.auth_reqs, r->f.note[0] ? ": " : "", r->f.note);
    return CHK_FAIL;
}

static chk_verdict j_not_act(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.auth_before_good_init) {
        *dec = true;
        if (r->c->jarg == 1) {
            /* RFC 7748 §6.1: the all-zero check is a MAY, and RFC 8031 adds no MUST. Allowed,
             * but the IKE_AUTH it sent is sealed under keys anyone can compute from Ni and Nr
             * (IDi in clear to them, a PSK AUTH open to offline guessing). */
            SAY("keyed its IKE SA from a small-order X25519 point (all-zero secret: its IKE_AUTH "
                "is readable by whoever sent the point); RFC 7748 §6.1 only allows the check");
            return CHK_INFO;
        }
        SAY("acted on the invalid IKE_SA_INIT answer: IKE_AUTH sent before any valid answer");
        return CHK_FAIL;
    }
    if (r->f.accepted) {
        *dec = true;
        SAY("ignored the invalid answer, established with the valid one (%s)", acc(r));
        return CHK_PASS;
    }
    if (!final)
        return CHK_PASS;
    if (r->f.init_good_sent > 0) {
        SAY("got a valid answer after the invalid one but never established");
        return CHK_FAIL;
    }
    SAY("did not act on the invalid answer, but stopped instead of waiting for a valid one "
        "(%d IKE_SA_INIT requests)", r->f.init_reqs);
    return CHK_INFO;
}

static chk_verdict j_not_proceed(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.auth_reqs > 0 || r->f.auth_before_good_init) {
        *dec = true;
        SAY("sent IKE_AUTH after an IKE_SA_INIT answer it must refuse");
        return CHK_FAIL;
    }
    if (r->f.init_reqs >= 3 || r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    SAY("no IKE_AUTH: the answer was not used (%d IKE_SA_INIT requests%s)", r->f.init_reqs,
        r->f.proc_exited ? ", initiator stopped" : "");
    return CHK_PASS;
}

static chk_verdict j_not_accept(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.accepted) {
        *dec = true;
        SAY("accepted an IKE_AUTH answer it must refuse (%s at %u ms)", acc(r),
            r->f.accepted_ms);
        return CHK_FAIL;
    }
    if (r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    if (r->f.auth_reqs == 0) {
        SAY("never sent IKE_AUTH, so the case did not run%s%s", r->f.note[0] ? ": " : "",
            r->f.note);
        return CHK_FAIL;
    }
    if (r->f.error_info)
        SAY("refused it and said so: INFORMATIONAL with %s", mk_notify_name(r->f.error_info_type));
    else if (r->f.deleted_ike)
        SAY("refused it and deleted the IKE SA (protected Delete)");
    else
        SAY("refused it (no sign of an IKE SA; %d IKE_AUTH requests)", r->f.auth_reqs);
    return CHK_PASS;
}

static chk_verdict j_drop_accept(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.accepted && r->f.accepted_before_good) {
        *dec = true;
        SAY("acted on the invalid IKE_AUTH answer (%s before any valid answer)", acc(r));
        return CHK_FAIL;
    }
    if (r->f.accepted) {
        *dec = true;
        SAY("dropped the invalid answer, established with the retransmitted valid one (%s)",
            acc(r));
        return CHK_PASS;
    }
    if (!final)
        return CHK_PASS;
    if (r->f.auth_reqs == 0) {
        SAY("never sent IKE_AUTH, so the case did not run");
        return CHK_FAIL;
    }
    if (r->f.auth_good_sent > 0) {
        SAY("got the valid IKE_AUTH answer after the invalid one but never established");
        return CHK_FAIL;
    }
    SAY("did not accept the invalid answer but gave up instead of retransmitting%s%s",
        r->f.error_info ? " (INFORMATIONAL " : "",
        r->f.error_info ? mk_notify_name(r->f.error_info_type) : "");
    return CHK_INFO;
}

/* Did request `b` (a retry) keep everything of `a` and put N(COOKIE)=cookie first? */
static bool cookie_retry_ok(const mk_msg *a, const mk_msg *b, const uint8_t *ck, size_t cl,
                            char *why, size_t cap)
{
    mk_notify nt;
    if (b->chain.n == 0 || b->chain.pl[0].type != MK_PT_NOTIFY ||
        mk_pl_decode_notify(&nt, b->chain.pl[0].body, b->chain.pl[0].len) != MK_E_OK ||
        nt.type != MK_N_COOKIE) {
        SAY("the retried IKE_SA_INIT does not start with N(COOKIE)");
        return false;
    }
    if (nt.data_len != cl || memcmp(nt.data, ck, cl) != 0) {
        SAY("the retried N(COOKIE) does not carry the cookie data sent (%u octets, want %zu)",
            nt.data_len, cl);
        return false;
    }
    /* the rest: every payload after the cookie equal to the first request's */
    size_t skip = MK_HDR_LEN + MK_GEN_HDR_LEN + b->chain.pl[0].len;
    const uint8_t *ra = a->dgram + MK_HDR_LEN, *rb = b->dgram + skip;
    size_t la = a->len - MK_HDR_LEN, lb = b->len - skip;
    /* the first request may itself have carried an older cookie */
    mk_notify na;
    if (a->chain.n > 0 && a->chain.pl[0].type == MK_PT_NOTIFY &&
        mk_pl_decode_notify(&na, a->chain.pl[0].body, a->chain.pl[0].len) == MK_E_OK &&
        na.type == MK_N_COOKIE) {
        ra += MK_GEN_HDR_LEN + a->chain.pl[0].len;
        la -= MK_GEN_HDR_LEN + (size_t)a->chain.pl[0].len;
    }
    if (la != lb || memcmp(ra, rb, la) != 0 || memcmp(a->dgram, b->dgram, 8) != 0) {
        SAY("the retried IKE_SA_INIT changed other payloads or the SPIi (RFC 7296 §2.6: "
            "all other payloads unchanged)");
        return false;
    }
    return true;
}

/* The cookie data of the k-th N(COOKIE) answer sent. */
static bool nth_cookie(const chk_run *r, int k, uint8_t *ck, size_t *cl)
{
    for (size_t i = 0; i < r->n_ev; i++) {
        const chk_ev *e = &r->ev[i];
        mk_msg m;
        if (e->rx || e->esp || e->buf == NULL || mk_msg_parse(&m, e->buf, e->len) != MK_E_OK)
            continue;
        const mk_pl *p = mk_chain_find_notify(&m.chain, MK_N_COOKIE);
        mk_notify nt;
        if (p == NULL || mk_pl_decode_notify(&nt, p->body, p->len) != MK_E_OK)
            continue;
        if (k-- == 0) {
            memcpy(ck, nt.data, nt.data_len);
            *cl = nt.data_len;
            return true;
        }
    }
    return false;
}

static chk_verdict j_cookie(chk_run *r, bool final, bool *dec, char *why, size_t cap, bool bad)
{
    uint8_t ck[300];
    size_t cl = 0;
    mk_msg a, b;
    int ncook = 0;
    if (!final && !r->f.accepted && !r->f.proc_exited)
        return CHK_PASS;
    *dec = true;
    /* pair each cookie with the first later request that differs from the one before */
    int k = 0;
    const chk_ev *prev = nth_req(r, MK_EX_IKE_SA_INIT, 0, &a);
    if (prev == NULL) {
        SAY("no IKE_SA_INIT request seen");
        return CHK_FAIL;
    }
    while (nth_cookie(r, ncook, ck, &cl)) {
        const chk_ev *e;
        bool found = false;
        for (k = k + 1; (e = nth_req(r, MK_EX_IKE_SA_INIT, k, &b)) != NULL; k++) {
            if (e->len == prev->len && memcmp(e->buf, prev->buf, e->len) == 0)
                continue; /* a retransmission of the previous request */
            found = true;
            break;
        }
        if (!found) {
            if (bad) {
                SAY("did not retry with the out-of-range cookie (%zu octets)%s", cl,
                    r->f.accepted ? "; established after its own retransmission" : "");
                return CHK_INFO;
            }
            SAY("did not retry IKE_SA_INIT after N(COOKIE) #%d (%zu octets)", ncook + 1, cl);
            return CHK_FAIL;
        }
        if (!cookie_retry_ok(&a, &b, ck, cl, why, cap))
            return CHK_FAIL;
        a = b;
        prev = e;
        ncook++;
    }
    if (!r->f.accepted) {
        if (bad) {
            SAY("retried with the out-of-range cookie, then did not establish");
            return CHK_INFO;
        }
        SAY("retried correctly with %d cookie(s) but did not establish", ncook);
        return CHK_FAIL;
    }
    if (bad) {
        SAY("retried with the out-of-range cookie (%zu octets) and established", cl);
        return CHK_INFO;
    }
    SAY("retried with N(COOKIE) first, other payloads unchanged (%d round(s)); established",
        ncook);
    return CHK_PASS;
}

static uint16_t req_ke_group(const mk_msg *m)
{
    const mk_pl *p = mk_chain_find(&m->chain, MK_PT_KE);
    mk_ke ke;
    if (p == NULL || mk_pl_decode_ke(&ke, p->body, p->len) != MK_E_OK)
        return 0;
    return ke.group;
}

static chk_verdict j_ke_retry(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    mk_msg m;
    if (!final && !r->f.accepted)
        return CHK_PASS;
    *dec = true;
    uint16_t want = r->want_dh;
    int n = count_req(r, MK_EX_IKE_SA_INIT);
    for (int k = 1; k < n; k++) {
        nth_req(r, MK_EX_IKE_SA_INIT, k, &m);
        if (req_ke_group(&m) == want && want != 0) {
            if (r->f.accepted) {
                SAY("retried with a KE of group %u and established", want);
                return CHK_PASS;
            }
            SAY("retried with a KE of group %u but did not establish", want);
            return CHK_FAIL;
        }
    }
    SAY("did not retry with a KE of the group INVALID_KE_PAYLOAD named (%u)", want);
    return CHK_FAIL;
}

static chk_verdict j_ke_unoffered(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    mk_msg m;
    int n = count_req(r, MK_EX_IKE_SA_INIT);
    for (int k = 1; k < n; k++) {
        nth_req(r, MK_EX_IKE_SA_INIT, k, &m);
        if (req_ke_group(&m) == (uint16_t)r->c->plan[0].arg) {
            *dec = true;
            SAY("sent a KE of group %u, which it never offered", r->c->plan[0].arg);
            return CHK_FAIL;
        }
    }
    if (r->f.accepted || r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    SAY("never sent a KE of the unoffered group (%s)",
        r->f.accepted ? "established after its retransmission" : "gave up");
    return CHK_PASS;
}

static chk_verdict j_retx_identical(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    uint8_t ex = (uint8_t)r->c->jarg;
    mk_msg m;
    uint8_t spi[8];
    const chk_ev *first = NULL, *e;
    int n = count_req(r, ex);
    if (main_spi(r, ex, spi))
        for (int k = 0; k < n && first == NULL; k++)
            if ((e = nth_req(r, ex, k, &m)) != NULL && memcmp(e->buf, spi, 8) == 0)
                first = e;
    if (!final && !r->f.accepted)
        return CHK_PASS;
    *dec = true;
    if (first == NULL) {
        SAY("no %s request seen", mk_exchange_name(ex));
        return CHK_FAIL;
    }
    int same = 0;
    for (int k = 0; k < n; k++) {
        e = nth_req(r, ex, k, &m);
        if (e == first) {
            same++;
            continue;
        }
        /* another SPIi is a new attempt (a daemon reviving its connection), not a
         * retransmission of this request */
        if (memcmp(e->buf, first->buf, 8) != 0)
            continue;
        same++;
        if (e->len != first->len || memcmp(e->buf, first->buf, e->len) != 0) {
            size_t off = 0;
            while (off < e->len && off < first->len && e->buf[off] == first->buf[off])
                off++;
            SAY("retransmission %d of %s differs from the original (first difference at "
                "octet %zu)", k, mk_exchange_name(ex), off);
            return CHK_FAIL;
        }
    }
    if (same < 2) {
        SAY("no retransmission of %s seen", mk_exchange_name(ex));
        return CHK_FAIL;
    }
    if (!r->f.accepted) {
        SAY("%d identical transmissions, but no IKE SA after the answer", same);
        return CHK_FAIL;
    }
    SAY("%d transmissions of %s, all bitwise identical; established", same,
        mk_exchange_name(ex));
    return CHK_PASS;
}

/* Times of the requests of exchange ex of the first SPIi seen (another SPIi is a new attempt,
 * not a retransmission), in ms. */
static int req_times(const chk_run *r, uint8_t ex, uint32_t *t, int max)
{
    int n = 0;
    uint8_t main[8];
    const uint8_t *spi = main_spi(r, ex, main) ? main : NULL;
    for (size_t i = 0; i < r->n_ev && n < max; i++) {
        const chk_ev *e = &r->ev[i];
        mk_msg m;
        if (!e->rx || e->esp || e->buf == NULL || mk_msg_parse(&m, e->buf, e->len) != MK_E_OK)
            continue;
        if (m.hdr.exchange != ex || (m.hdr.flags & MK_HDR_F_RESPONSE))
            continue;
        if (spi == NULL)
            spi = e->buf;
        if (memcmp(spi, e->buf, 8) == 0)
            t[n++] = e->t_ms;
    }
    return n;
}

static chk_verdict j_backoff(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    uint32_t t[16];
    int n = req_times(r, MK_EX_IKE_SA_INIT, t, 16);
    if (!final && n < 4 && !r->f.proc_exited)
        return CHK_PASS;
    *dec = true;
    if (n > 4)
        n = 4;
    if (n < 3) {
        SAY("only %d IKE_SA_INIT transmissions: cannot see the back-off", n);
        return CHK_FAIL;
    }
    /* every interval at least 1.4 times the one before (exponential, with timer jitter) */
    uint32_t d[3] = {0};
    for (int i = 1; i < n; i++)
        d[i - 1] = t[i] - t[i - 1];
    for (int i = 1; i < n - 1; i++)
        if (d[i] * 10 < d[i - 1] * 14) {
            SAY("intervals %u, %u%s%.0u ms do not increase exponentially", d[0], d[1],
                n > 3 ? ", " : "", n > 3 ? d[2] : 0);
            return CHK_FAIL;
        }
    SAY("intervals %u, %u%s%.0u ms", d[0], d[1], n > 3 ? ", " : "", n > 3 ? d[2] : 0);
    return CHK_PASS;
}

static chk_verdict j_give_up(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    uint32_t t[64];
    int n = req_times(r, MK_EX_IKE_SA_INIT, t, 64);
    if (r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    *dec = true;
    uint32_t end = r->f.proc_exited ? r->f.proc_exit_ms : r->c->window_ms;
    if (n == 0) {
        SAY("no IKE_SA_INIT request");
        return CHK_FAIL;
    }
    if (r->f.proc_exited) {
        SAY("gave up after %d transmissions, %u ms", n, t[n - 1]);
        return CHK_PASS;
    }
    uint32_t gap = n >= 2 ? t[n - 1] - t[n - 2] : 1000;
    if (end - t[n - 1] >= 2 * gap + 1000) {
        SAY("stopped retransmitting after %d transmissions (last at %u ms)", n, t[n - 1]);
        return CHK_PASS;
    }
    SAY("still retransmitting after %u ms (%d transmissions, last gap %u ms)", end, n, gap);
    return CHK_FAIL;
}

static chk_verdict j_no_retx(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    uint32_t t[32];
    if (!final)
        return CHK_PASS;
    *dec = true;
    int n = req_times(r, MK_EX_IKE_SA_INIT, t, 32);
    for (int i = 0; i < n; i++)
        if (r->f.init_good_sent && t[i] > r->f.first_good_init_ms + 50 &&
            r->f.auth_reqs > 0) {
            SAY("retransmitted IKE_SA_INIT at %u ms after its answer (%u ms) was received", t[i],
                r->f.first_good_init_ms);
            return CHK_FAIL;
        }
    n = req_times(r, MK_EX_IKE_AUTH, t, 32);
    for (int i = 0; i < n; i++)
        if (r->f.auth_good_sent && t[i] > r->f.first_good_auth_ms + 50 && r->f.accepted) {
            SAY("retransmitted IKE_AUTH at %u ms after its answer (%u ms)", t[i],
                r->f.first_good_auth_ms);
            return CHK_FAIL;
        }
    if (!r->f.accepted) {
        SAY("did not establish");
        return CHK_FAIL;
    }
    SAY("no retransmission of answered requests (observed until %s)",
        r->f.proc_exited ? "the initiator stopped" : "the end of the case");
    return CHK_PASS;
}

enum { A_ANY, A_UNSUPP, A_ERROR, A_TWICE, A_TWO, A_NO_ERROR, A_EMPTY };

static chk_verdict j_answer(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    int want = r->c->jarg == A_TWICE || r->c->jarg == A_TWO ? 2 : 1;
    if (r->f.req_answers >= want)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    *dec = true;
    if (!r->f.accepted) {
        SAY("the IKE SA never came up, so the request could not be sent");
        return CHK_FAIL;
    }
    if (r->f.req_sent == 0) {
        SAY("the scripted request was not sent");
        return CHK_FAIL;
    }
    if (r->f.req_answers < want) {
        SAY("did not answer our %s (%d of %d answers)",
            r->c->mut == M_REQ_CREATE_CHILD ? "CREATE_CHILD_SA request" : "INFORMATIONAL request",
            r->f.req_answers, want);
        return CHK_FAIL;
    }
    if (!r->f.req_answer_ok) {
        SAY("answer has wrong flags, exchange or Message ID: %s", r->f.req_answer_desc);
        return CHK_FAIL;
    }
    uint16_t nt = r->f.req_answer_notify;
    switch (r->c->jarg) {
    case A_UNSUPP:
        if (nt != (0x8000 | 250)) {
            SAY("answer is not N(UNSUPPORTED_CRITICAL_PAYLOAD) naming type 250: %s",
                r->f.req_answer_desc);
            return CHK_FAIL;
        }
        break;
    case A_ERROR:
        if (nt == 0 || (nt & 0x8000) || nt >= MK_N_FIRST_STATUS) {
            SAY("answer carries no error notify: %s", r->f.req_answer_desc);
            return CHK_FAIL;
        }
        break;
    case A_NO_ERROR:
        if (nt != 0 && (nt & 0x8000 || nt < MK_N_FIRST_STATUS)) {
            SAY("answer carries an error notify: %s", r->f.req_answer_desc);
            return CHK_FAIL;
        }
        break;
    case A_EMPTY:
        if (r->f.req_answer_npl != 0) {
            SAY("answer is not empty: %s", r->f.req_answer_desc);
            return CHK_FAIL;
        }
        break;
    case A_TWICE: {
        /* both answers bitwise identical */
        const chk_ev *a = NULL, *b = NULL;
        for (size_t i = 0; i < r->n_ev; i++) {
            const chk_ev *e = &r->ev[i];
            mk_msg m;
            if (!e->rx || e->esp || mk_msg_parse(&m, e->buf, e->len) != MK_E_OK)
                continue;
            if ((m.hdr.flags & MK_HDR_F_RESPONSE) && m.hdr.msgid == r->req_ids[0] &&
                m.hdr.exchange == MK_EX_INFORMATIONAL) {
                if (a == NULL)
                    a = e;
                else if (b == NULL)
                    b = e;
            }
        }
        if (a == NULL || b == NULL) {
            SAY("the retransmitted request was not answered again");
            return CHK_FAIL;
        }
        if (a->len != b->len || memcmp(a->buf, b->buf, a->len) != 0) {
            SAY("answered both, but the second answer is a new message (re-encrypted), not "
                "the remembered one");
            return CHK_INFO;
        }
        break;
    }
    default: break;
    }
    SAY("answered: %s", r->f.req_answer_desc);
    return CHK_PASS;
}

static chk_verdict j_no_answer(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.req_answers > 0) {
        *dec = true;
        SAY("answered a request it must drop: %s", r->f.req_answer_desc);
        return CHK_FAIL;
    }
    if (!final)
        return CHK_PASS;
    if (!r->f.accepted || r->f.req_sent == 0) {
        SAY("the IKE SA never came up, so the request could not be sent");
        return CHK_FAIL;
    }
    SAY("did not answer");
    return CHK_PASS;
}

static chk_verdict j_info(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->c->mut >= M_REQ_LIVENESS && r->c->mut <= M_REQ_EXCHANGE) {
        if (!final && r->f.req_answers == 0)
            return CHK_PASS;
        *dec = true;
        if (!r->f.accepted) {
            SAY("the IKE SA never came up");
            return CHK_FAIL;
        }
        if (r->f.req_answers)
            SAY("answered: %s", r->f.req_answer_desc);
        else
            SAY("did not answer");
        return CHK_INFO;
    }
    if (!final && !r->f.accepted)
        return CHK_PASS;
    *dec = true;
    if (r->f.accepted)
        SAY("accepted it (%s)", acc(r));
    else if (r->f.error_info)
        SAY("refused it: INFORMATIONAL with %s", mk_notify_name(r->f.error_info_type));
    else
        SAY("did not establish (%d IKE_SA_INIT, %d IKE_AUTH requests)", r->f.init_reqs,
            r->f.auth_reqs);
    return CHK_INFO;
}

/* Header checks of the first request of an exchange. */
static chk_verdict j_hdr(chk_run *r, bool final, bool *dec, char *why, size_t cap, uint8_t ex)
{
    mk_msg m;
    const chk_ev *e = nth_req(r, ex, 0, &m);
    static const uint8_t zero[8] = {0};
    if (e == NULL) {
        if (!final && r->f.esp_pkts == 0)
            return CHK_PASS;
        *dec = true;
        if (r->f.esp_pkts > 0 && ex == MK_EX_IKE_SA_INIT)
            SAY("datagrams without the non-ESP marker on a non-500 port (they read as ESP)");
        else
            SAY("no %s request seen", mk_exchange_name(ex));
        return CHK_FAIL;
    }
    *dec = true;
    const mk_hdr *h = &m.hdr;
    bool ok = true;
    switch (r->c->jarg) {
    case 0: ok = h->version == 0x20; SAY("version octet %02x", h->version); break;
    case 1:
        ok = (h->flags & MK_HDR_F_INITIATOR) && !(h->flags & MK_HDR_F_RESPONSE);
        SAY("flags %02x (I set, R clear wanted)", h->flags);
        break;
    case 2:
        ok = h->msgid == (ex == MK_EX_IKE_SA_INIT ? 0u : 1u);
        SAY("Message ID %u", (unsigned)h->msgid);
        break;
    case 3:
        ok = ex == MK_EX_IKE_SA_INIT ? memcmp(h->spi_r, zero, 8) == 0
                                     : memcmp(h->spi_r, r->sa.spi_r, 8) == 0;
        SAY("SPIr %02x%02x%02x%02x%02x%02x%02x%02x", h->spi_r[0], h->spi_r[1], h->spi_r[2],
            h->spi_r[3], h->spi_r[4], h->spi_r[5], h->spi_r[6], h->spi_r[7]);
        break;
    case 4:
        ok = memcmp(h->spi_i, zero, 8) != 0;
        SAY("SPIi %02x%02x%02x%02x%02x%02x%02x%02x", h->spi_i[0], h->spi_i[1], h->spi_i[2],
            h->spi_i[3], h->spi_i[4], h->spi_i[5], h->spi_i[6], h->spi_i[7]);
        break;
    case 5:
        ok = (h->flags & 0xc7) == 0 && !(h->flags & MK_HDR_F_VERSION);
        SAY("flags %02x (reserved bits and V clear wanted)", h->flags);
        break;
    case 6:
        ok = ex != MK_EX_IKE_AUTH || (m.has_sk && m.chain.n == 0);
        SAY("IKE_AUTH payloads: %s", m.has_sk ? (m.chain.n ? "SK after clear payloads" : "SK only")
                                              : "no SK");
        break;
    case 8:
        if (r->setup->local.port == MK_PORT_IKE && !r->f.first_marker) {
            /* RFC 7296 §2: on port 500 IKE messages begin right after the UDP header */
            SAY("the checker listens on port 500, where IKE carries no marker");
            return CHK_NA;
        }
        if (r->f.first_marker) {
            SAY("IKE_SA_INIT arrived with the non-ESP marker");
        } else if (r->f.first_sport == MK_PORT_IKE) {
            SAY("IKE_SA_INIT sent from port 500 without the marker (RFC 3948 puts it on port "
                "4500 only; allowed)");
            return CHK_INFO;
        } else {
            SAY("IKE_SA_INIT without the non-ESP marker between two non-500 ports");
            ok = false;
        }
        break;
    case 7:
        ok = memcmp(h->spi_i, r->sa.spi_i, 8) == 0;
        SAY("SPIi %s the IKE_SA_INIT one", ok ? "is" : "is not");
        break;
    default: break;
    }
    return ok ? CHK_PASS : CHK_FAIL;
}

static chk_verdict j_init_payloads(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    mk_msg m;
    const chk_ev *e = nth_req(r, MK_EX_IKE_SA_INIT, 0, &m);
    static mk_sa sa;
    if (e == NULL) {
        if (!final)
            return CHK_PASS;
        *dec = true;
        SAY("no IKE_SA_INIT request seen");
        return CHK_FAIL;
    }
    *dec = true;
    const mk_pl *psa = mk_chain_find(&m.chain, MK_PT_SA), *pke = mk_chain_find(&m.chain, MK_PT_KE),
                *pno = mk_chain_find(&m.chain, MK_PT_NONCE);
    if (psa == NULL || pke == NULL || pno == NULL) {
        SAY("SA, KE or Nonce missing");
        return CHK_FAIL;
    }
    mk_err se = mk_pl_decode_sa(&sa, psa->body, psa->len);
    mk_ke ke;
    mk_err ke_e = mk_pl_decode_ke(&ke, pke->body, pke->len);
    switch (r->c->jarg) {
    case 0: SAY("SA, KE and Nonce present"); return CHK_PASS;
    case 1: {
        uint16_t nl = pno->len;
        SAY("Nonce of %u octets", nl);
        return nl >= 16 && nl <= 256 ? CHK_PASS : CHK_FAIL;
    }
    case 2: {
        if (se != MK_E_OK || ke_e != MK_E_OK) {
            SAY("SA or KE does not decode (%s)", mk_err_name(se != MK_E_OK ? se : ke_e));
            return CHK_FAIL;
        }
        /* the KE group must be offered in the first proposal (RFC 7296 §1.2) */
        for (size_t i = 0; i < sa.p[0].n_t; i++)
            if (sa.p[0].t[i].type == MK_TT_DH && sa.p[0].t[i].id == ke.group) {
                SAY("KE group %u is in the first proposal", ke.group);
                return CHK_PASS;
            }
        SAY("KE group %u is not among the first proposal's groups", ke.group);
        return CHK_FAIL;
    }
    case 3:
        SAY("SA payload: %s", se == MK_E_OK ? "proposal numbers 1, 2, ..., substructures consistent"
                                            : mk_err_name(se));
        return se == MK_E_OK ? CHK_PASS : CHK_FAIL;
    case 4:
        if (se != MK_E_OK) {
            SAY("SA does not decode");
            return CHK_FAIL;
        }
        for (size_t j = 0; j < sa.n; j++)
            if (sa.p[j].proto != MK_PROTO_IKE || sa.p[j].spi_len != 0) {
                SAY("proposal %zu: protocol %u, SPI size %u (want 1 and 0)", j + 1,
                    sa.p[j].proto, sa.p[j].spi_len);
                return CHK_FAIL;
            }
        SAY("every proposal: protocol IKE, SPI size 0");
        return CHK_PASS;
    case 5:
        if (se != MK_E_OK) {
            SAY("SA does not decode");
            return CHK_FAIL;
        }
        for (size_t j = 0; j < sa.n; j++) {
            uint8_t cnt[MK_TT_ESN + 1] = {0};
            (void)mk_proposal_count_types(&sa.p[j], cnt);
            bool aead = true;
            for (size_t i = 0; i < sa.p[j].n_t; i++)
                if (sa.p[j].t[i].type == MK_TT_ENCR &&
                    (sa.p[j].t[i].id == MK_ENCR_AES_CBC || sa.p[j].t[i].id < 12))
                    aead = false;
            if (!cnt[MK_TT_ENCR] || !cnt[MK_TT_PRF] || !cnt[MK_TT_DH] ||
                (!aead && !cnt[MK_TT_INTEG])) {
                SAY("proposal %zu lacks a mandatory transform type (ENCR %u PRF %u INTEG %u "
                    "DH %u)", j + 1, cnt[1], cnt[2], cnt[3], cnt[4]);
                return CHK_FAIL;
            }
        }
        SAY("every proposal has ENCR, PRF, DH (and INTEG unless AEAD)");
        return CHK_PASS;
    case 6: {
        if (ke_e != MK_E_OK) {
            SAY("KE does not decode");
            return CHK_FAIL;
        }
        size_t want = ke.group == 31 ? 32 : ke.group == 19 ? 64 : ke.group == 14 ? 256 : 0;
        SAY("KE group %u, %u octets", ke.group, ke.len);
        return want == 0 ? CHK_INFO : ke.len == want ? CHK_PASS : CHK_FAIL;
    }
    case 7:
        if (m.chain.unsupported_critical) {
            SAY("carries a critical payload of unknown type %u", m.chain.unsupported_critical);
            return CHK_FAIL;
        }
        SAY("no unknown critical payload");
        return CHK_PASS;
    case 8: {
        const mk_pl *p = mk_chain_find_notify(&m.chain, MK_N_NAT_DETECTION_SOURCE_IP);
        if (p == NULL) {
            SAY("no NAT_DETECTION_SOURCE_IP (allowed)");
            return CHK_INFO;
        }
        mk_notify nt;
        if (mk_pl_decode_notify(&nt, p->body, p->len) != MK_E_OK || nt.data_len != 20) {
            SAY("NAT_DETECTION_SOURCE_IP is not a 20-octet SHA-1 hash");
            return CHK_FAIL;
        }
        SAY("NAT_DETECTION_SOURCE_IP: 20 octets");
        return CHK_PASS;
    }
    case 9:
        SAY("%zu payloads, %u octets", m.chain.n, (unsigned)m.len);
        return m.len <= 1280 ? CHK_PASS : CHK_INFO;
    default: return CHK_ERROR;
    }
}

/* IKE_AUTH request content, opened with our keys (the responder did it already: re-open). */
static chk_verdict j_auth_payloads(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    mk_msg m;
    const chk_ev *e = nth_req(r, MK_EX_IKE_AUTH, 0, &m);
    uint8_t plain[MK_MAX_MSG];
    mk_chain in;
    static mk_sa sa;
    if (e == NULL) {
        if (!final)
            return CHK_PASS;
        *dec = true;
        SAY("no IKE_AUTH request seen");
        return CHK_FAIL;
    }
    *dec = true;
    mk_sk_keys k = {r->sa.encr, NULL, r->sa.keys.ei, r->sa.keys.ai};
    if (!r->sa.keys_ok || mk_sk_open(&m, &k, plain, sizeof plain, &in) != MK_E_OK) {
        SAY("the IKE_AUTH request does not open with the keys of the exchange");
        return CHK_FAIL;
    }
    const mk_pl *pid = mk_chain_find(&in, MK_PT_IDI), *pau = mk_chain_find(&in, MK_PT_AUTH),
                *psa = mk_chain_find(&in, MK_PT_SA), *ptsi = mk_chain_find(&in, MK_PT_TSI),
                *ptsr = mk_chain_find(&in, MK_PT_TSR);
    chk_verdict v = CHK_PASS;
    switch (r->c->jarg) {
    case 0:
        v = pid && pau ? CHK_PASS : CHK_FAIL;
        SAY("IDi %s, AUTH %s", pid ? "present" : "missing", pau ? "present" : "missing");
        break;
    case 1:
        v = r->sa.auth_ok ? CHK_PASS : CHK_FAIL;
        SAY("the initiator's AUTH %s", !r->sa.auth_ok        ? "does not verify"
                                       : r->setup->rpk ? "verifies under its raw key"
                                                       : "verifies under the PSK");
        break;
    case 2:
        v = psa && ptsi && ptsr ? CHK_PASS : CHK_INFO;
        SAY("child SA payloads: %s", psa && ptsi && ptsr ? "SA, TSi, TSr" : "absent (IKE SA only)");
        break;
    case 3:
    case 4: {
        if (psa == NULL || mk_pl_decode_sa(&sa, psa->body, psa->len) != MK_E_OK) {
            SAY("no decodable SAi2");
            v = CHK_FAIL;
            break;
        }
        for (size_t j = 0; j < sa.n; j++) {
            const mk_proposal *p = &sa.p[j];
            uint32_t spi = (uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
                           (uint32_t)p->spi[2] << 8 | p->spi[3];
            if (p->proto != MK_PROTO_ESP || p->spi_len != 4) {
                SAY("proposal %zu: protocol %u SPI size %u (want ESP, 4)", j + 1, p->proto,
                    p->spi_len);
                v = CHK_FAIL;
                break;
            }
            if (r->c->jarg == 4 && spi < 256) {
                SAY("proposal %zu: SPI %u is reserved (RFC 4303: 1..255) or zero", j + 1, spi);
                v = CHK_FAIL;
                break;
            }
        }
        if (v == CHK_PASS)
            SAY("%u ESP proposal(s), 4-octet SPIs outside 0..255", sa.n);
        break;
    }
    case 5: {
        mk_tsl a, b;
        if (!ptsi || !ptsr || mk_pl_decode_ts(&a, ptsi->body, ptsi->len) != MK_E_OK ||
            mk_pl_decode_ts(&b, ptsr->body, ptsr->len) != MK_E_OK) {
            SAY("TSi/TSr missing or malformed");
            v = psa ? CHK_FAIL : CHK_INFO;
            break;
        }
        SAY("TSi %u selector(s), TSr %u selector(s), well formed", a.n, b.n);
        break;
    }
    case 6:
        v = in.unsupported_critical ? CHK_FAIL : CHK_PASS;
        SAY("%s", in.unsupported_critical ? "unknown critical payload inside SK"
                                          : "no unknown critical payload inside SK");
        break;
    default: v = CHK_ERROR; break;
    }
    mk_wipe(plain, sizeof plain);
    return v;
}

static chk_verdict j_forged(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.accepted) {
        *dec = true;
        SAY("ignored the unprotected notify and established (%s)", acc(r));
        return CHK_PASS;
    }
    if (r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    SAY("did not establish after an unprotected error notify (%d IKE_SA_INIT requests): it "
        "acted on an unauthenticated message", r->f.init_reqs);
    return CHK_INFO;
}

static chk_verdict j_child_refuse(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    if (r->f.esp_pkts > 0 || r->f.malformed_after_auth > 0) {
        *dec = true;
        SAY("sent ESP (%d packets%s) on a child SA it must refuse", r->f.esp_pkts,
            r->f.malformed_after_auth ? ", or with SPI 0, read as malformed IKE" : "");
        return CHK_FAIL;
    }
    if (r->f.proc_exited)
        *dec = true;
    if (!final && !*dec)
        return CHK_PASS;
    if (r->f.auth_reqs == 0) {
        SAY("never sent IKE_AUTH, so the case did not run");
        return CHK_FAIL;
    }
    SAY("no ESP on the refused child SA; IKE SA %s", r->f.accepted ? "kept" : "not used further");
    return CHK_PASS;
}

/* Raw keys (RFC 7427, RFC 7670): what the initiator announced and how it signed. */
static chk_verdict j_rpk(chk_run *r, bool final, bool *dec, char *why, size_t cap)
{
    const struct chk_facts *f = &r->f;
    uint8_t ours = chk_rpk_our_hashes(r);
    bool m14 = f->rpk_method == MK_AUTH_DIGSIG;
    bool unannounced = m14 && (ours == 0 || !(ours & (1u << f->rpk_hash)));
    if (r->c->jarg == 0) { /* its IKE_SA_INIT request announces hashes */
        if (!r->sa.have && !final)
            return CHK_PASS;
        if (r->sa.ini_sha) {
            *dec = true;
            SAY("N(SIGNATURE_HASH_ALGORITHMS) in its IKE_SA_INIT request (hash bits %02x)",
                r->sa.ini_hashes);
            return CHK_PASS;
        }
        if (!f->rpk_auth_seen && !final && !f->proc_exited)
            return CHK_PASS;
        *dec = true;
        if (!r->sa.have)
            SAY("no IKE_SA_INIT request the checker could serve");
        else if (!f->rpk_auth_seen)
            SAY("no N(SIGNATURE_HASH_ALGORITHMS), and no IKE_AUTH followed");
        else
            SAY("no N(SIGNATURE_HASH_ALGORITHMS), yet its AUTH uses method %u", f->rpk_method);
        return !r->sa.have || m14 ? CHK_FAIL : CHK_INFO;
    }
    if (!f->rpk_auth_seen) {
        if (!final && !f->proc_exited)
            return CHK_PASS;
        *dec = true;
        if (r->c->jarg == 4) {
            SAY("sent no IKE_AUTH: stopped without a usable hash (allowed)");
            return CHK_INFO;
        }
        SAY("never sent IKE_AUTH%s%s", f->note[0] ? ": " : "", f->note);
        return CHK_FAIL;
    }
    switch (r->c->jarg) {
    case 1: /* after CERTREQ(15): method 14 under its raw key */
        *dec = true;
        SAY("AUTH method %u%s, %s under its configured raw key", f->rpk_method,
            m14 ? " (Digital Signature)" : "", f->rpk_verified ? "verifies" : "does not verify");
        return m14 && f->rpk_verified ? CHK_PASS : CHK_FAIL;
    case 2: /* after CERTREQ(15): CERT(15) with its key (RFC 7296 §3.6: SHOULD) */
        *dec = true;
        if (f->rpk_cert == 1) {
            SAY("CERT(15) carries its configured key");
            return CHK_PASS;
        }
        if (f->rpk_cert == 2) {
            SAY("CERT(15) carries a key other than the configured one");
            return CHK_FAIL;
        }
        SAY("no CERT(15) though asked for one (SHOULD; the key is pinned here)");
        return CHK_INFO;
    case 3: /* one usable hash announced: signs with it and establishes */
        if (unannounced) {
            *dec = true;
            SAY("AUTH method 14 with hash %u, which the checker did not announce", f->rpk_hash);
            return CHK_FAIL;
        }
        if (f->accepted) {
            *dec = true;
            SAY("signed with the announced hash %u, established (%s)", f->rpk_hash, acc(r));
            return CHK_PASS;
        }
        if (!final && !f->proc_exited)
            return CHK_PASS;
        *dec = true;
        SAY("did not establish (AUTH method %u, hash %u%s)%s%s", f->rpk_method, f->rpk_hash,
            f->rpk_verified ? "" : ", does not verify", f->note[0] ? ": " : "", f->note);
        return CHK_FAIL;
    default: /* 4: no usable hash (or no notify): no method 14 with an unannounced hash */
        *dec = true;
        if (unannounced) {
            SAY("AUTH method 14 with %s%u", ours ? "hash " : "no notify from the checker, hash ",
                f->rpk_hash);
            return CHK_FAIL;
        }
        SAY("did not sign with an unannounced hash: AUTH method %u%s%s", f->rpk_method,
            f->rpk_verified ? "" : " (does not verify)", f->accepted ? ", established" : "");
        return CHK_INFO;
    }
}

chk_verdict chk_judge(chk_run *r, bool final, bool *decided, char *why, size_t cap)
{
    *decided = false;
    why[0] = 0;
    /* the IKE_SA_INIT request alone decides these: an unservable offer does not matter */
    if (r->na && r->c->judge != J_HDR_INIT && r->c->judge != J_INIT_PAYLOADS) {
        *decided = true;
        snprintf(why, cap, "%s", r->na_why);
        return CHK_NA;
    }
    switch (r->c->judge) {
    case J_ESTABLISH: return j_establish(r, final, decided, why, cap);
    case J_NOT_ACT: return j_not_act(r, final, decided, why, cap);
    case J_NOT_PROCEED: return j_not_proceed(r, final, decided, why, cap);
    case J_NOT_ACCEPT: return j_not_accept(r, final, decided, why, cap);
    case J_DROP_ACCEPT: return j_drop_accept(r, final, decided, why, cap);
    case J_COOKIE: return j_cookie(r, final, decided, why, cap, false);
    case J_COOKIE_BAD: return j_cookie(r, final, decided, why, cap, true);
    case J_KE_RETRY: return j_ke_retry(r, final, decided, why, cap);
    case J_KE_UNOFFERED: return j_ke_unoffered(r, final, decided, why, cap);
    case J_RETX_IDENTICAL: return j_retx_identical(r, final, decided, why, cap);
    case J_BACKOFF: return j_backoff(r, final, decided, why, cap);
    case J_GIVE_UP: return j_give_up(r, final, decided, why, cap);
    case J_NO_RETX_ANSWERED: return j_no_retx(r, final, decided, why, cap);
    case J_ANSWER: return j_answer(r, final, decided, why, cap);
    case J_NO_ANSWER: return j_no_answer(r, final, decided, why, cap);
    case J_HDR_INIT: return j_hdr(r, final, decided, why, cap, MK_EX_IKE_SA_INIT);
    case J_HDR_AUTH: return j_hdr(r, final, decided, why, cap, MK_EX_IKE_AUTH);
    case J_INIT_PAYLOADS: return j_init_payloads(r, final, decided, why, cap);
    case J_AUTH_PAYLOADS: return j_auth_payloads(r, final, decided, why, cap);
    case J_INFO_EITHER: return j_info(r, final, decided, why, cap);
    case J_FORGED: return j_forged(r, final, decided, why, cap);
    case J_CHILD_REFUSE: return j_child_refuse(r, final, decided, why, cap);
    case J_RPK: return j_rpk(r, final, decided, why, cap);
    default: snprintf(why, cap, "unknown judge"); return CHK_ERROR;
    }
}
