/* SPDX-License-Identifier: MIT */
/*
 * keygen: `minike keygen psk` prints a fresh 32-octet pre-shared key from the OS RNG as
 * 0x-prefixed hex (the form strongSwan's `secret = 0x...` and `--psk-file` both accept).
 * Raw public keys (RFC 7815 B.2) come later: `--type ed25519|rsa` says so and exits 2.
 * The key is printed once and wiped from memory.
 */
#define _DEFAULT_SOURCE

#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char keygen_help[] =
    "usage: minike keygen psk            print a random 32-octet PSK as 0x-hex\n"
    "       minike keygen --type psk|ed25519|rsa\n"
    "\n"
    "Save it for both sides, e.g.  minike keygen psk > door.psk  and use --psk-file door.psk\n"
    "(strongSwan: secret = 0x...). ed25519 and rsa raw public keys are not yet supported.\n";

int cmd_keygen(int argc, char **argv)
{
    const char *type = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(keygen_help, stdout);
            return EX_OK;
        }
        if (!strcmp(argv[i], "--type") || !strncmp(argv[i], "--type=", 7)) {
            const char *v = argv[i][6] == '=' ? argv[i] + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL)
                return cli_fail(EX_USAGE, "command line", "option '--type' needs a value",
                                "see minike keygen --help");
            type = v;
        } else if (argv[i][0] == '-') {
            char why[120];
            snprintf(why, sizeof(why), "unknown option '%.60s'", argv[i]);
            return cli_fail(EX_USAGE, "command line", why, "see minike keygen --help");
        } else if (type == NULL) {
            type = argv[i];
        } else {
            return cli_fail(EX_USAGE, "command line", "unexpected argument",
                            "see minike keygen --help");
        }
    }
    if (type == NULL)
        return cli_fail(EX_USAGE, "keygen", "no key type given", "use: minike keygen psk");
    if (!strcmp(type, "psk")) {
        uint8_t k[32];
        char hex[2 * sizeof(k) + 1];
        mk_io_rng_os(NULL, k, sizeof(k));
        for (size_t i = 0; i < sizeof(k); i++)
            snprintf(hex + 2 * i, 3, "%02x", k[i]);
        printf("0x%s\n", hex);
        mk_wipe(k, sizeof(k));
        mk_wipe(hex, sizeof(hex));
        return fflush(stdout) == 0 ? EX_OK : EX_INTERNAL;
    }
    if (!strcmp(type, "ed25519") || !strcmp(type, "rsa")) {
        char why[100];
        snprintf(why, sizeof(why), "%s raw public keys are not yet supported", type);
        return cli_fail(EX_USAGE, "keygen", why, "use a PSK for now: minike keygen psk");
    }
    {
        char why[120];
        snprintf(why, sizeof(why), "unknown key type '%.60s'", type);
        return cli_fail(EX_USAGE, "keygen", why, "types: psk (ed25519, rsa: not yet supported)");
    }
}
