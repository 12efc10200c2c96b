/*
 * The seccomp probe: makes the syscalls its arguments name, each in a
 * child of its own (a rule may kill it), and prints one line per call:
 *   <label> ret=<return value> errno=<errno name or 0>
 *   <label> signal=<n>          (the child was killed)
 * An argument is <label>=<abi>:<nr>[:<a0>,<a1>,...], abi being 64 (the
 * syscall instruction), x32 (the same with the x32 bit set in nr) or 32
 * (int $0x80, i386's entry; at most five arguments). Built static, so it
 * runs in any rootfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long call32(long nr, unsigned long *a) {
  long ret;
  __asm__ volatile("int $0x80"
                   : "=a"(ret)
                   : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
                   : "memory");
  return ret;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 1; i < argc; i++) {
    char label[128], abi[8];
    unsigned long nr = 0, a[6] = {0};
    char *eq = strchr(argv[i], '=');
    if (!eq || eq - argv[i] >= (long)sizeof label) { fprintf(stderr, "probe: bad argument %s\n", argv[i]); return 2; }
    memcpy(label, argv[i], eq - argv[i]);
    label[eq - argv[i]] = 0;
    char *p = eq + 1, *colon = strchr(p, ':');
    if (!colon || colon - p >= (long)sizeof abi) { fprintf(stderr, "probe: bad argument %s\n", argv[i]); return 2; }
    memcpy(abi, p, colon - p);
    abi[colon - p] = 0;
    nr = strtoul(colon + 1, &p, 0);
    for (int k = 0; k < 6 && *p == (k ? ',' : ':'); k++) a[k] = strtoul(p + 1, &p, 0);
    pid_t pid = fork();
    if (pid < 0) { printf("%s fork errno=%d\n", label, errno); continue; }
    if (pid == 0) {
      long r;
      int e = 0;
      if (!strcmp(abi, "32")) {
        r = call32((long)nr, a);
        if (r < 0 && r > -4096) { e = (int)-r; r = -1; }
      } else {
        if (!strcmp(abi, "x32")) nr |= 0x40000000UL;
        errno = 0;
        r = syscall((long)nr, a[0], a[1], a[2], a[3], a[4], a[5]);
        if (r == -1) e = errno;
      }
      printf("%s ret=%ld errno=%s\n", label, r, e ? strerrorname_np(e) : "0");
      _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFSIGNALED(status)) printf("%s signal=%d\n", label, WTERMSIG(status));
  }
  return 0;
}
