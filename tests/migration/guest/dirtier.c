/* The migration tests' guest: /init of a tiny initramfs. Keeps dirtying memory at a set rate so that a
 * live migration has something to chase: one byte written per 4 KiB page of a buffer, round and round.
 * Kernel command line: dirtier.rate=PAGES_PER_SECOND dirtier.mib=BUFFER_MIB. Prints "dirtier: ready ..."
 * once the whole buffer has been touched (so every page holds data, not zero pages) and then a line
 * every 5 s of guest time on the serial console. Built with gcc -static: no libc in the initramfs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long param(const char *cmdline, const char *key, long fallback)
{
    const char *p = strstr(cmdline, key);
    if (!p)
        return fallback;
    return strtol(p + strlen(key), NULL, 10);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
    mkdir("/proc", 0755);
    mkdir("/dev", 0755);
    mount("proc", "/proc", "proc", 0, NULL);
    mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
    int con = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
    if (con >= 0) {
        dup2(con, 1);
        dup2(con, 2);
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    char cmdline[4096] = {0};
    int fd = open("/proc/cmdline", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, cmdline, sizeof cmdline - 1);
        (void)n;
        close(fd);
    }
    const long rate = param(cmdline, "dirtier.rate=", 4000);
    const long mib = param(cmdline, "dirtier.mib=", 256);
    const long pages = mib * 256;
    unsigned char *buf = malloc((size_t)pages * 4096);
    if (!buf) {
        printf("dirtier: cannot allocate %ld MiB\n", mib);
        for (;;)
            pause();
    }
    for (long i = 0; i < pages; ++i)
        buf[i * 4096] = 1;
    printf("dirtier: ready rate=%ld pages/s buffer=%ld MiB\n", rate, mib);

    const double start = now();
    double lastReport = start;
    long written = 0, page = 0;
    unsigned char value = 2;
    for (;;) {
        const double t = now();
        const long due = (long)((t - start) * rate);
        while (written < due) {
            buf[page * 4096] = value;
            if (++page == pages) {
                page = 0;
                ++value;
            }
            ++written;
        }
        if (t - lastReport >= 5.0) {
            printf("dirtier: %ld pages written in %.1f s\n", written, t - start);
            lastReport = t;
        }
        usleep(2000);
    }
}
