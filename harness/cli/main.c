/* SPDX-License-Identifier: MIT */
/*
 * main: the `minike` command's entry point: subcommand dispatch, `--help`, the exit codes and
 * the one-line failure format `minike: <what failed>: <why> (<what to do>)`, and the mapping
 * from the core's sticky mk_err to an exit code. It never prints secrets.
 */
#define _DEFAULT_SOURCE

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli.h"

volatile sig_atomic_t cli_stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    cli_stop_flag = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns EINTR */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cli_fail(int code, const char *what, const char *why, const char *todo)
{
    cli_show *s = cli_active_show;
    /* the failure line is the last thing the user sees: mute the timeline (another thread,
     * such as the demo's door, may still be running) */
    if (s != NULL) {
        pthread_mutex_lock(&s->lock);
        s->quiet = true;
    }
    fflush(stdout);
    {
        char line[1024];
        if (todo != NULL && *todo)
            snprintf(line, sizeof line, "minike: %s: %s (%s)", what, why, todo);
        else
            snprintf(line, sizeof line, "minike: %s: %s", what, why);
        cli_write_line(stderr, line); /* peer text or a bad argument never breaks the line */
        fputc('\n', stderr);
    }
    fflush(stderr);
    if (s != NULL)
        pthread_mutex_unlock(&s->lock);
    return code;
}

int cli_fail_ike(const mk_ike *ike, const char *peer, uint8_t last_exchange)
{
    return cli_fail_err(mk_last_error(ike), mk_stats_get(ike), ike->cfg, peer, last_exchange);
}

int cli_fail_err(mk_err e, const mk_stats *st, const mk_config *cfg, const char *peer,
                 uint8_t last_exchange)
{
    char what[160];
    const char *ex;

    switch (last_exchange) {
    case MK_EX_IKE_SA_INIT: ex = "IKE_SA_INIT"; break;
    case MK_EX_IKE_AUTH: ex = "IKE_AUTH"; break;
    case MK_EX_INFORMATIONAL: ex = "INFORMATIONAL"; break;
    default: ex = "IKE"; break;
    }
    snprintf(what, sizeof(what), "%s with %s", ex, peer);
    switch (e) {
    case MK_E_TIMEOUT: {
        /* say what was actually seen: silence, answers we could not use, or a responder that
         * answered IKE_SA_INIT and then went quiet (overloaded, or our half-open SA evicted) */
        char why[200];
        unsigned tries = st->retransmits + 1;
        if (st->rx_dgrams == 0) {
            snprintf(why, sizeof why, "no datagram came back (%u tries, retransmissions "
                     "exhausted)", tries);
            return cli_fail(EX_TIMEOUT, what, why,
                            "is a responder running there? check --peer, ports and firewalls; "
                            "--timeout SEC waits longer");
        }
        if (last_exchange != MK_EX_IKE_SA_INIT && st->dropped == 0) {
            snprintf(why, sizeof why, "the responder answered IKE_SA_INIT but then nothing "
                     "(%u datagrams received in all, retransmissions exhausted)", st->rx_dgrams);
            return cli_fail(EX_TIMEOUT, what, why,
                            "it may be overloaded or have dropped our half-open SA; try again, "
                            "and check the responder's log");
        }
        snprintf(why, sizeof why, "%u datagrams came back but %u were not a valid answer "
                 "(last: %s), retransmissions exhausted", st->rx_dgrams, st->dropped,
                 mk_err_name(st->last_drop));
        return cli_fail(EX_TIMEOUT, what, why,
                        "something answers there, but not as the responder we expect: check "
                        "--peer and the port; -v shows every datagram");
    }
    case MK_E_NO_PROPOSAL_CHOSEN:
        return cli_fail(EX_PROPOSAL, what, "the responder accepted none of our proposals "
                        "(NO_PROPOSAL_CHOSEN)",
                        "offer one the responder has, with --ike / --esp");
    case MK_E_INVALID_KE:
        return cli_fail(EX_PROPOSAL, what, "the responder wants a DH group we do not offer "
                        "(INVALID_KE_PAYLOAD)",
                        "add a proposal with its group to --ike");
    case MK_E_TS_UNACCEPTABLE:
        return cli_fail(EX_PROPOSAL, what, "IKE SA up but the responder refused the traffic "
                        "selectors (TS_UNACCEPTABLE)",
                        "match --tsi/--tsr to the responder's configuration");
    case MK_E_NO_CHILD_SA:
        return cli_fail(EX_PROPOSAL, what, "IKE SA up but the responder refused the child SA",
                        "check --esp and the traffic selectors against the responder");
    case MK_E_AUTH_FAILED:
        if (cfg != NULL && cfg->auth_method == MK_AUTH_DIGSIG)
            return cli_fail(EX_AUTH, what, "the responder's AUTH signature did not verify under "
                            "the pinned key, or its key does not match --peer-fp",
                            "check --peer-key / --peer-fp against the responder's key");
        return cli_fail(EX_AUTH, what, "the responder's AUTH payload did not verify",
                        "the PSK differs between the two sides, or it is not the expected peer");
    case MK_E_PEER_AUTH_FAILED:
        if (cfg != NULL && cfg->auth_method == MK_AUTH_DIGSIG)
            return cli_fail(EX_AUTH, what, "the responder rejected our authentication "
                            "(AUTHENTICATION_FAILED)",
                            "check that --id and our public key (minike keygen --print KEY) are "
                            "configured at the responder");
        return cli_fail(EX_AUTH, what, "the responder rejected our authentication "
                        "(AUTHENTICATION_FAILED)",
                        "check that --id and the PSK match the responder's configuration");
#if MK_RPK /* errors only raw public keys produce */
    case MK_E_NO_PEER_KEY:
        if (cfg != NULL && cfg->peer_fp != NULL)
            return cli_fail(EX_AUTH, what, "the responder sent no raw public key, so the "
                            "--peer-fp pin cannot be checked (strongSwan never sends CERT "
                            "encoding 15)",
                            "pin its whole key with --peer-key FILE");
        return cli_fail(EX_AUTH, what, "the responder sent no raw public key, so it cannot be "
                        "imprinted",
                        "pin its key with --peer-key or --peer-fp");
    case MK_E_IMPRINT_REFUSED:
        return cli_fail(EX_AUTH, what, "the responder's raw public key was not accepted for "
                        "imprinting", "run with -v for details");
    case MK_E_SIG_HASH_UNSUPPORTED:
        return cli_fail(EX_AUTH, what, "the responder announced no signature hash our key can "
                        "use (Ed25519 needs Identity, RFC 8420; RSA needs SHA2-256, RFC 7427)",
                        "use a key type the responder supports");
    case MK_E_BAD_KEY:
    case MK_E_WEAK_KEY:
        return cli_fail(EX_AUTH, what, mk_err_str(e),
                        "the responder's raw public key or signature is unusable");
#endif
    case MK_E_ID_MISMATCH:
        return cli_fail(EX_AUTH, what, "the responder's identity is not the one configured",
                        "check --remote-id");
    case MK_E_BAD_PROPOSAL:
        return cli_fail(EX_PEER, what, "the responder chose a proposal we did not offer",
                        "the responder is misbehaving; report it");
    case MK_E_PEER_DELETED:
        return cli_fail(EX_PEER, what, "the responder deleted the IKE SA", "try again");
    case MK_E_TOO_MANY_RETRIES:
        return cli_fail(EX_PEER, what, "too many COOKIE / INVALID_KE round trips",
                        "the responder may be overloaded; try again later");
    case MK_E_PEER_ERROR:
        return cli_fail(EX_PEER, what, "the responder answered with an error notify",
                        "see -v output and the responder's log");
    case MK_E_DH_ZERO:
        return cli_fail(EX_PEER, what, mk_err_str(e), "the responder sent an invalid key share");
    case MK_E_BAD_CONFIG:
        return cli_fail(EX_CONFIG, what, "configuration rejected by the IKE core",
                        "check --ike, --esp, --id and the PSK");
    case MK_E_CRYPTO:
        return cli_fail(EX_INTERNAL, what, "crypto library failure", "report this bug");
    default:
        return cli_fail(mk_err_class(e) == MK_CLASS_USAGE ? EX_INTERNAL : EX_PEER, what,
                        mk_err_str(e), "run with -v for details");
    }
}

static const char usage[] =
    "usage: minike <command> [options]      (minike <command> --help for each)\n"
    "\n"
    "A minimal IKEv2 initiator (RFC 7815) and its test responder.\n"
    "\n"
    "commands:\n"
    "  initiate   build an IKE SA + ESP child SA with a responder, optionally ping or send\n"
    "             UDP through it, then forget or delete it\n"
    "  respond    run the test responder (garage door or echo server) on UDP\n"
    "  demo       the garage-door story on loopback: device and door in one process\n"
    "  keygen     make a random pre-shared key, or an Ed25519 / RSA raw key pair\n"
    "  reset      forget the responder key imprinted by initiate --key (RFC 7815 B.2)\n"
    "  check      conformance suite for any IKEv2 initiator (192 cases, harness/check)\n"
    "\n"
    "exit codes:\n"
    "  0 ok\n"
    "  1 internal error\n"
    "  2 usage (bad command line)\n"
    "  3 config or file (unreadable file, PSK shorter than 16 octets, unknown proposal,\n"
    "    unusable key file, RSA key under 2048 bits)\n"
    "  4 network (port in use, address unusable, peer unreachable / ICMP error)\n"
    "  5 timeout (no answer)\n"
    "  6 authentication failed (ours rejected, the peer's AUTH wrong, its raw key unknown\n"
    "    or changed since it was imprinted)\n"
    "  7 no proposal chosen, or the child SA refused\n"
    "  8 other peer error\n"
    "  130 interrupted by SIGINT/SIGTERM (respond exits 0: stopping is its normal end)\n"
    "Every failure prints one line: minike: <what failed>: <why> (<what to do>)\n"
    "\n"
    "minike --version prints the version; minike help COMMAND = minike COMMAND --help.\n";

int cmd_check(int argc, char **argv); /* harness/cli/check.c */

int main(int argc, char **argv)
{
    const char *cmd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (sodium_init() < 0)
        return cli_fail(EX_INTERNAL, "libsodium", "initialisation failed", "report this bug");
    if (argc < 2)
        return cli_fail(EX_USAGE, "command line", "no command given",
                        "commands: initiate, respond, demo, keygen, reset; see minike --help");
    cmd = argv[1];
    if (!strcmp(cmd, "help") && argc > 2) { /* minike help initiate = minike initiate --help */
        char *hv[3] = {argv[2], "--help", NULL};
        if (!strcmp(argv[2], "initiate"))
            return cmd_initiate(2, hv);
        if (!strcmp(argv[2], "respond"))
            return cmd_respond(2, hv);
        if (!strcmp(argv[2], "demo"))
            return cmd_demo(2, hv);
        if (!strcmp(argv[2], "keygen"))
            return cmd_keygen(2, hv);
        if (!strcmp(argv[2], "reset"))
            return cmd_reset(2, hv);
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return EX_OK;
    }
    if (!strcmp(cmd, "--version")) {
        puts("minike 0.1 (RFC 7815 minimal IKEv2 initiator)");
        return EX_OK;
    }
    cli_install_signals();
    if (!strcmp(cmd, "initiate"))
        return cmd_initiate(argc - 1, argv + 1);
    if (!strcmp(cmd, "respond"))
        return cmd_respond(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo"))
        return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "keygen"))
        return cmd_keygen(argc - 1, argv + 1);
    if (!strcmp(cmd, "reset"))
        return cmd_reset(argc - 1, argv + 1);
#if MK_CLI_CHECK
    if (!strcmp(cmd, "check")) /* harness/cli/check.c: conformance suite for any initiator */
        return cmd_check(argc - 1, argv + 1);
#endif
    {
        char why[200];
        snprintf(why, sizeof(why), "unknown command '%.100s'", cmd);
        return cli_fail(EX_USAGE, "command line", why,
                        "commands: initiate, respond, demo, keygen, reset; see minike --help");
    }
}
