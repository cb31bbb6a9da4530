/* SPDX-License-Identifier: MIT */
/*
 * chk_out: the outputs of `minike check`: the case list, the final table, JSON and JUnit XML
 * (the format CI systems read: FAIL = <failure> with the datagrams, N/A = <skipped>, INFO =
 * passed with the explanation in <system-out>). Files are written whole to a temporary name and
 * renamed, so a reader never sees half a report.
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chk.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void xml_str(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\n': fputs("&#10;", f); break;
        default:
            if (*p >= 0x20 || *p == '\t')
                fputc(*p, f);
        }
    }
}

static FILE *open_tmp(const char *path, char *tmp, size_t cap)
{
    snprintf(tmp, cap, "%s.tmp%ld", path, (long)getpid());
    return fopen(tmp, "w");
}

static int finish(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}

static void counts(const chk_result *res, size_t n, size_t c[5])
{
    memset(c, 0, 5 * sizeof c[0]);
    for (size_t i = 0; i < n; i++)
        c[res[i].v]++;
}

int chk_write_json(const char *path, const char *initiator, const chk_result *res, size_t n)
{
    char tmp[4200];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    size_t c[5];
    if (f == NULL)
        return -1;
    counts(res, n, c);
    fputs("{\n  \"tool\": \"minike check\",\n  \"initiator\": ", f);
    json_str(f, initiator);
    fprintf(f, ",\n  \"summary\": {\"cases\": %zu, \"pass\": %zu, \"fail\": %zu, \"info\": %zu, "
               "\"na\": %zu, \"error\": %zu},\n  \"cases\": [\n",
            n, c[CHK_PASS], c[CHK_FAIL], c[CHK_INFO], c[CHK_NA], c[CHK_ERROR]);
    for (size_t i = 0; i < n; i++) {
        const chk_case *k = res[i].c;
        fprintf(f, "    {\"id\": %u, \"category\": ", (unsigned)k->id);
        json_str(f, k->cat);
        fputs(", \"title\": ", f);
        json_str(f, k->title);
        fputs(", \"rfc\": ", f);
        json_str(f, k->rfc);
        fputs(", \"quote\": ", f);
        json_str(f, k->quote);
        fputs(", \"ipv6ready\": ", f);
        json_str(f, k->ipv6);
        fputs(", \"expect\": ", f);
        json_str(f, k->expect);
        fputs(", \"verdict\": ", f);
        json_str(f, chk_verdict_name(res[i].v));
        fputs(", \"reason\": ", f);
        json_str(f, res[i].why);
        fprintf(f, ", \"ms\": %u, \"rx\": %u", res[i].ms, res[i].rx);
        if (res[i].trace) {
            fputs(", \"datagrams\": ", f);
            json_str(f, res[i].trace);
        }
        fprintf(f, "}%s\n", i + 1 < n ? "," : "");
    }
    fputs("  ]\n}\n", f);
    return finish(f, tmp, path);
}

int chk_write_junit(const char *path, const char *initiator, const chk_result *res, size_t n)
{
    char tmp[4200];
    FILE *f = open_tmp(path, tmp, sizeof tmp);
    size_t c[5];
    double total = 0;
    if (f == NULL)
        return -1;
    counts(res, n, c);
    for (size_t i = 0; i < n; i++)
        total += res[i].ms / 1000.0;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"", f);
    fputs("minike-check ", f);
    xml_str(f, initiator);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
            n, c[CHK_FAIL], c[CHK_ERROR], c[CHK_NA], total);
    for (size_t i = 0; i < n; i++) {
        const chk_case *k = res[i].c;
        fprintf(f, "    <testcase classname=\"check.");
        xml_str(f, k->cat);
        fprintf(f, "\" name=\"C%03u ", (unsigned)k->id);
        xml_str(f, k->title);
        fprintf(f, "\" time=\"%.3f\">\n", res[i].ms / 1000.0);
        fputs("      <properties><property name=\"rfc\" value=\"", f);
        xml_str(f, k->rfc);
        fputs("\"/><property name=\"ipv6ready\" value=\"", f);
        xml_str(f, k->ipv6);
        fputs("\"/></properties>\n", f);
        switch (res[i].v) {
        case CHK_FAIL:
            fputs("      <failure message=\"", f);
            xml_str(f, res[i].why);
            fputs("\" type=\"FAIL\">", f);
            xml_str(f, k->rfc);
            fputs(": ", f);
            xml_str(f, k->quote);
            fputs("&#10;", f);
            xml_str(f, res[i].trace);
            fputs("</failure>\n", f);
            break;
        case CHK_ERROR:
            fputs("      <error message=\"", f);
            xml_str(f, res[i].why);
            fputs("\"/>\n", f);
            break;
        case CHK_NA:
            fputs("      <skipped message=\"N/A: ", f);
            xml_str(f, res[i].why);
            fputs("\"/>\n", f);
            break;
        default:
            fputs("      <system-out>", f);
            xml_str(f, chk_verdict_name(res[i].v));
            fputs(": ", f);
            xml_str(f, res[i].why);
            fputs("</system-out>\n", f);
        }
        fputs("    </testcase>\n", f);
    }
    fputs("  </testsuite>\n</testsuites>\n", f);
    return finish(f, tmp, path);
}

void chk_print_table(FILE *out, const chk_result *res, size_t n)
{
    size_t c[5];
    counts(res, n, c);
    fprintf(out, "\n%-5s %-10s %-5s %s\n", "case", "category", "verdict", "title / reason");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "C%03u  %-10s %-5s   %s%s%s\n", (unsigned)res[i].c->id, res[i].c->cat,
                chk_verdict_name(res[i].v), res[i].c->title,
                res[i].v == CHK_PASS ? "" : ": ", res[i].v == CHK_PASS ? "" : res[i].why);
    fprintf(out, "\n%zu cases: %zu PASS, %zu FAIL, %zu INFO, %zu N/A, %zu ERROR\n", n,
            c[CHK_PASS], c[CHK_FAIL], c[CHK_INFO], c[CHK_NA], c[CHK_ERROR]);
}

void chk_list(FILE *out, bool full)
{
    for (size_t i = 0; i < chk_n_cases; i++) {
        const chk_case *k = &chk_cases[i];
        fprintf(out, "C%03u  %-10s %s  [%s%s%s]\n", (unsigned)k->id, k->cat, k->title, k->rfc,
                *k->ipv6 ? ", " : "", k->ipv6);
        if (full) {
            fprintf(out, "      quote:  \"%s\"\n", k->quote);
            fprintf(out, "      expect: %s\n", k->expect);
            if (k->ipv6 && *k->ipv6)
                fprintf(out, "      IPv6 Ready: %s\n", k->ipv6);
        }
    }
}
