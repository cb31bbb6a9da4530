/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for harness/lib/keysfile: rows in exactly the UAT formats tshark 4.0.17 accepted
 * (shared/reference/strongswan-lab/NOTES.md §7: IKE SPIs and keys unquoted hex, algorithm names
 * quoted; ESP all quoted, keys "0x..."), comments for what Wireshark cannot decrypt, and the
 * preferences file. tshark itself reads these files in harness/clitests/test_tshark.sh.
 * Files are renamed into place only over regular files: a directory or FIFO taking a file's
 * name is refused and left alone, a symbolic link is followed to its target.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keysfile.h"
#include "mk_io.h"

static char *slurp(const char *dir, const char *name)
{
    char path[256];
    static char buf[4096];
    FILE *f;
    size_t n;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void fill(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i);
}

Test(keysfile, rows_in_tshark_formats)
{
    char dir[] = "/tmp/mk-keys-XXXXXX";
    mk_keysw *k;
    mk_ike_keys ik, cc;
    mk_esp_sa sa, ccm;
    mk_addr a, b;
    char *s;

    cr_assert_not_null(mkdtemp(dir));
    k = mk_keysw_open(dir);
    cr_assert_not_null(k);
    memset(&ik, 0, sizeof(ik));
    fill(ik.spi_i, 8, 0x10);
    fill(ik.spi_r, 8, 0x20);
    ik.encr = MK_ENCR_AES_GCM_16;
    ik.encr_bits = 128;
    ik.encr_len = 20;
    fill(ik.sk_ei, 20, 0xa0);
    fill(ik.sk_er, 20, 0xc0);
    ik.prf_len = 4; /* SK_d/pi/pr, known only before the child SA is keyed */
    fill(ik.sk_d, 4, 0xd0);
    fill(ik.sk_pi, 4, 0xe0);
    fill(ik.sk_pr, 4, 0xf0);
    cr_assert(mk_keysw_ike(k, &ik));
    cr_assert(mk_keysw_ike(k, &ik), "a duplicate is ignored");
    cc = ik;
    cc.spi_i[0] = 0x99;
    cc.encr = MK_ENCR_CHACHA20_POLY1305;
    cc.encr_bits = 0;
    cc.prf_len = 0;
    cr_assert_not(mk_keysw_ike(k, &cc));

    memset(&sa, 0, sizeof(sa));
    sa.spi_out = 0xc0ffee01;
    sa.spi_in = 0x0badf00d;
    sa.encr = MK_ENCR_AES_GCM_16;
    sa.encr_bits = 128;
    sa.ek_len = 20;
    fill(sa.ek_out, 20, 0x01);
    fill(sa.ek_in, 20, 0x41);
    cr_assert(mk_io_parse_addr("127.0.0.1", 0, &a));
    cr_assert(mk_io_parse_addr("127.0.0.2", 0, &b));
    cr_assert(mk_keysw_child(k, &sa, &a, &b));
    ccm = sa;
    ccm.encr = MK_ENCR_AES_CCM_8;
    cr_assert_not(mk_keysw_child(k, &ccm, &a, &b));
    cr_assert(mk_keysw_close(k));

    s = slurp(dir, "ikev2_decryption_table");
    cr_assert_not_null(strstr(s,
                              "\n1011121314151617,2021222324252627,"
                              "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3,"
                              "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3,"
                              "\"AES-GCM-128 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"\n"),
                       "%s", s);
    cr_assert_not_null(strstr(s, "\n# 9911121314151617,2021222324252627: IKE transform ENCR 28"),
                       "%s", s);
    cr_assert_eq(strstr(strstr(s, "\n1011") + 1, "\n1011"), NULL, "one row per SA");
    s = slurp(dir, "esp_sa");
    cr_assert_not_null(strstr(s,
                              "\n\"IPv4\",\"127.0.0.1\",\"127.0.0.2\",\"0xc0ffee01\","
                              "\"AES-GCM with 16 octet ICV [RFC4106]\","
                              "\"0x0102030405060708090a0b0c0d0e0f1011121314\",\"NULL\",\"0x\"\n"),
                       "%s", s);
    cr_assert_not_null(strstr(s, "\n\"IPv4\",\"127.0.0.2\",\"127.0.0.1\",\"0x0badf00d\","), "%s",
                       s);
    cr_assert_not_null(strstr(s, "\n# SPIs 0xc0ffee01/0x0badf00d: ESP ENCR 14 not decryptable"),
                       "%s", s);
    /* keys.txt holds every key, including what Wireshark cannot decrypt (ChaCha20, CCM ESP) */
    s = slurp(dir, "keys.txt");
    cr_assert_not_null(strstr(s, "\nSK_d = d0d1d2d3\nSK_pi = e0e1e2e3\nSK_pr = f0f1f2f3\n"), "%s",
                       s);
    cr_assert_not_null(strstr(s, "\n9911121314151617,2021222324252627,"
                                 "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3,"
                                 "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3,"
                                 "\"ENCR 28/0\",,,\"INTEG 0\"\n"),
                       "%s", s);
    cr_assert_not_null(
        strstr(s, "\n\"IPv4\",\"127.0.0.2\",\"127.0.0.1\",\"0x0badf00d\",\"ENCR 14/128\","
                  "\"0x4142434445464748494a4b4c4d4e4f5051525354\",\"INTEG 0\",\"0x\"\n"),
        "%s", s);
    s = slurp(dir, "preferences");
    cr_assert_not_null(strstr(s, "\nesp.enable_encryption_decode: TRUE\n"));
    {
        static const char *names[] = {"ikev2_decryption_table", "esp_sa", "preferences",
                                      "keys.txt"};
        char path[256];
        for (size_t i = 0; i < 4; i++) {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            cr_assert_eq(unlink(path), 0);
        }
        cr_assert_eq(rmdir(dir), 0, "nothing else (no temporary files) in the directory");
    }
}

Test(keysfile, names)
{
    cr_assert_str_eq(mk_keysw_ike_encr_name(MK_ENCR_AES_CBC, 256), "AES-CBC-256 [RFC3602]");
    cr_assert_str_eq(mk_keysw_ike_encr_name(MK_ENCR_AES_CCM_8, 128),
                     "AES-CCM-128 with 8 octet ICV [RFC5282]");
    cr_assert_null(mk_keysw_ike_encr_name(MK_ENCR_CHACHA20_POLY1305, 0));
    cr_assert_str_eq(mk_keysw_ike_integ_name(MK_INTEG_HMAC_SHA2_256_128),
                     "HMAC_SHA2_256_128 [RFC4868]");
    cr_assert_str_eq(mk_keysw_esp_encr_name(MK_ENCR_AES_CBC), "AES-CBC [RFC3602]");
    cr_assert_str_eq(mk_keysw_esp_auth_name(MK_INTEG_HMAC_SHA2_256_128),
                     "HMAC-SHA-256-128 [RFC4868]");
    cr_assert_null(mk_keysw_esp_encr_name(MK_ENCR_AES_CCM_8));
    cr_assert_null(mk_keysw_esp_encr_name(MK_ENCR_CHACHA20_POLY1305));
}

Test(keysfile, refuses_special_files_follows_symlinks)
{
    char dir[] = "/tmp/mk-keysw-XXXXXX", p[200], t[200];
    struct stat st;
    mk_keysw *k;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/esp_sa", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/keys.txt", dir);
    cr_assert_eq(mkfifo(p, 0600), 0);
    snprintf(t, sizeof t, "%s/prefs.real", dir);
    snprintf(p, sizeof p, "%s/preferences", dir);
    cr_assert_eq(symlink("prefs.real", p), 0);

    k = mk_keysw_open(dir);
    cr_assert_not_null(k);
    cr_assert_not(mk_keysw_close(k), "two names are taken by a directory and a FIFO");
    snprintf(p, sizeof p, "%s/esp_sa", dir);
    cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "the directory is left alone");
    snprintf(p, sizeof p, "%s/keys.txt", dir);
    cr_assert(stat(p, &st) == 0 && S_ISFIFO(st.st_mode), "the FIFO is left alone");
    snprintf(p, sizeof p, "%s/preferences", dir);
    cr_assert(lstat(p, &st) == 0 && S_ISLNK(st.st_mode), "the link stays a link");
    cr_assert_not_null(strstr(slurp(dir, "prefs.real"), "esp.enable_encryption_decode: TRUE"));
    cr_assert_not_null(strstr(slurp(dir, "ikev2_decryption_table"), "# minike"));

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
