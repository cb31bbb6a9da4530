/* SPDX-License-Identifier: MIT */
/*
 * demo_device: `minike demo --device`, the same garage-door demo with the emulated Cortex-M4
 * firmware as the device. The firmware, QEMU and the UART bridge live in harness/device; this
 * only hands over to its demo.sh with the path of this minike (which serves as the door).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_demo_device(int argc, char **argv);
int cli_demo_device(int argc, char **argv)
{
    static char script[] = MK_SOURCE_DIR "/harness/device/demo.sh";
    static char bash[] = "bash";
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return cli_fail(EX_INTERNAL, "demo --device", "cannot find the minike binary itself",
                        "run it from a build tree");
    self[n] = '\0';
    char *args[64];
    int k = 0;
    args[k++] = bash;
    args[k++] = script;
    args[k++] = self;
    for (int i = 1; i < argc && k < 63; i++)
        args[k++] = argv[i];
    args[k] = NULL;
    fflush(stdout);
    execvp("bash", args);
    return cli_fail(EX_INTERNAL, "demo --device", strerror(errno),
                    "needs bash and the source tree (harness/device/demo.sh)");
}
