/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for harness/lib/pcapw: the file appears only at close (temporary name before),
 * is a LINKTYPE_RAW pcap that libpcap reads back, and each record carries an IPv4 or IPv6
 * header and a UDP header whose checksums verify (RFC 791, RFC 768, RFC 8200 §8.1).
 * tshark re-checks the same property independently in harness/clitests/test_tshark.sh.
 * The library itself never renames over anything but a regular file: a directory, FIFO,
 * socket or device node at the path is refused (and left alone), a symbolic link is followed
 * to its target and stays a link.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "inner.h"
#include "mk_io.h"
#include "pcapw.h"

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static uint16_t udp_check(const uint8_t *pkt, size_t n)
{
    uint32_t acc = 0;
    uint8_t ph[40];
    size_t ul, iphl = (pkt[0] >> 4) == 4 ? 20 : 40;
    ul = n - iphl;
    if (iphl == 20) {
        memcpy(ph, pkt + 12, 8);
        ph[8] = 0;
        ph[9] = 17;
        ph[10] = (uint8_t)(ul >> 8);
        ph[11] = (uint8_t)ul;
        acc = mk_csum_add(0, ph, 12);
    } else {
        memcpy(ph, pkt + 8, 32);
        memset(ph + 32, 0, 8);
        ph[34] = (uint8_t)(ul >> 8);
        ph[35] = (uint8_t)ul;
        ph[39] = 17;
        acc = mk_csum_add(0, ph, 40);
    }
    return mk_csum_fold(mk_csum_add(acc, pkt + iphl, ul));
}

Test(pcapw, written_atomically_and_checksums_verify)
{
    char dir[] = "/tmp/mk-pcapw-XXXXXX", path[128], tmp[160], err[PCAP_ERRBUF_SIZE];
    mk_addr a4, b4, a6, b6;
    mk_pcapw *w;
    pcap_t *p;
    struct pcap_pkthdr *h;
    const u_char *data;
    static const uint8_t ike[5] = {0, 0, 0, 0, 0x42};
    int n = 0;

    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/x.pcap", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    cr_assert(mk_io_parse_addr("127.0.0.1:4500", 0, &a4));
    cr_assert(mk_io_parse_addr("127.0.0.2:4500", 0, &b4));
    cr_assert(mk_io_parse_addr("[2001:db8::1]:500", 0, &a6));
    cr_assert(mk_io_parse_addr("[2001:db8::2]:500", 0, &b6));
    w = mk_pcapw_open(path);
    cr_assert_not_null(w);
    cr_assert(mk_pcapw_udp(w, &a4, &b4, ike, sizeof(ike), 1700000000123456ull));
    cr_assert(mk_pcapw_udp(w, &a6, &b6, ike, sizeof(ike), 1700000000223456ull));
    cr_assert_not(mk_pcapw_udp(w, &a4, &b6, ike, sizeof(ike), 0), "mixed families");
    cr_assert_eq(mk_pcapw_count(w), 2);
    cr_assert_not(exists(path), "not published before close");
    cr_assert(exists(tmp));
    cr_assert(mk_pcapw_close(w));
    cr_assert(exists(path));
    cr_assert_not(exists(tmp));

    p = pcap_open_offline(path, err);
    cr_assert_not_null(p, "%s", err);
    cr_assert_eq(pcap_datalink(p), DLT_RAW);
    while (pcap_next_ex(p, &h, &data) == 1) {
        n++;
        cr_assert_eq(h->caplen, h->len);
        if (n == 1) {
            cr_assert_eq(h->len, 20 + 8 + 5);
            cr_assert_eq(h->ts.tv_sec, 1700000000);
            cr_assert_eq(h->ts.tv_usec, 123456);
            cr_assert_eq(data[0], 0x45);
            cr_assert_eq(mk_csum_fold(mk_csum_add(0, data, 20)), 0, "IPv4 header checksum");
            cr_assert_eq(data[20] << 8 | data[21], 4500);
        } else {
            cr_assert_eq(h->len, 40 + 8 + 5);
            cr_assert_eq(data[0] >> 4, 6);
            cr_assert_eq(data[6], 17);
        }
        cr_assert_eq(udp_check(data, h->len), 0, "UDP checksum of record %d", n);
        cr_assert_arr_eq(data + h->len - 5, ike, 5);
    }
    cr_assert_eq(n, 2);
    pcap_close(p);
    unlink(path);
    rmdir(dir);
}

Test(pcapw, abort_leaves_nothing)
{
    char dir[] = "/tmp/mk-pcapw-XXXXXX", path[128], tmp[160];
    mk_pcapw *w;
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/y.pcap", dir);
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    w = mk_pcapw_open(path);
    cr_assert_not_null(w);
    mk_pcapw_abort(w);
    cr_assert_not(exists(path));
    cr_assert_not(exists(tmp));
    cr_assert_eq(rmdir(dir), 0);
    cr_assert_null(mk_pcapw_open("/nonexistent-dir/z.pcap"));
}

static bool publish(const char *path)
{
    mk_addr a, b;
    static const uint8_t x[1] = {0x42};
    mk_pcapw *w = mk_pcapw_open(path);
    if (w == NULL)
        return false;
    cr_assert(mk_io_parse_addr("127.0.0.1:500", 0, &a));
    cr_assert(mk_io_parse_addr("127.0.0.2:500", 0, &b));
    cr_assert(mk_pcapw_udp(w, &a, &b, x, 1, 0));
    return mk_pcapw_close(w);
}

Test(pcapw, refuses_special_files_follows_symlinks)
{
    char dir[] = "/tmp/mk-pcapw-XXXXXX", p[160], q[160], t[160];
    struct stat st;
    struct sockaddr_un sun;
    int fd;
    cr_assert_not_null(mkdtemp(dir));

    /* a directory */
    snprintf(p, sizeof p, "%s/d", dir);
    cr_assert_eq(mkdir(p, 0700), 0);
    errno = 0;
    cr_assert_null(mk_pcapw_open(p));
    cr_assert_eq(errno, EISDIR);
    cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "the directory is still there");
    /* a FIFO (never opened: that would block) */
    snprintf(p, sizeof p, "%s/f", dir);
    cr_assert_eq(mkfifo(p, 0600), 0);
    errno = 0;
    cr_assert_null(mk_pcapw_open(p));
    cr_assert_eq(errno, EINVAL);
    cr_assert(stat(p, &st) == 0 && S_ISFIFO(st.st_mode));
    /* a socket */
    snprintf(p, sizeof p, "%s/s", dir);
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", p);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    cr_assert(fd >= 0 && bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0);
    cr_assert_null(mk_pcapw_open(p));
    cr_assert(stat(p, &st) == 0 && S_ISSOCK(st.st_mode));
    close(fd);
    /* a device node (root only; in our own directory, so a regression harms nothing) */
    snprintf(p, sizeof p, "%s/null", dir);
    if (mknod(p, S_IFCHR | 0600, makedev(1, 3)) == 0) {
        cr_assert_null(mk_pcapw_open(p));
        cr_assert(stat(p, &st) == 0 && S_ISCHR(st.st_mode), "the device node survives");
        /* ... also behind a symbolic link */
        snprintf(q, sizeof q, "%s/to-null", dir);
        cr_assert_eq(symlink("null", q), 0);
        cr_assert_null(mk_pcapw_open(q));
        cr_assert(lstat(q, &st) == 0 && S_ISLNK(st.st_mode));
        cr_assert(stat(p, &st) == 0 && S_ISCHR(st.st_mode));
    }

    /* a relative symbolic link to a regular file: the target is replaced, the link stays */
    snprintf(t, sizeof t, "%s/real.pcap", dir);
    snprintf(q, sizeof q, "%s/link.pcap", dir);
    fd = open(t, O_CREAT | O_WRONLY, 0600);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(symlink("real.pcap", q), 0);
    cr_assert(publish(q));
    cr_assert(lstat(q, &st) == 0 && S_ISLNK(st.st_mode), "still a link");
    cr_assert(stat(t, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 24, "target written");
    /* a dangling link: its target is created */
    unlink(t);
    cr_assert(publish(q));
    cr_assert(stat(t, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 24);
    cr_assert(lstat(q, &st) == 0 && S_ISLNK(st.st_mode));
    /* a link loop */
    snprintf(p, sizeof p, "%s/loop", dir);
    cr_assert_eq(symlink("loop", p), 0);
    errno = 0;
    cr_assert_null(mk_pcapw_open(p));
    cr_assert_eq(errno, ELOOP);

    /* a directory appears at the path between open and close: refused at close */
    snprintf(p, sizeof p, "%s/late.pcap", dir);
    mk_pcapw *w = mk_pcapw_open(p);
    cr_assert_not_null(w);
    cr_assert_eq(mkdir(p, 0700), 0);
    cr_assert_not(mk_pcapw_close(w));
    cr_assert(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
    snprintf(q, sizeof q, "%s.tmp.%ld", p, (long)getpid());
    cr_assert_not(exists(q), "temporary file removed");

    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}
