/*
 * Writes the first seccomp filter of a process to stdout as struct
 * sock_filter[] (PTRACE_SECCOMP_GET_FILTER; needs CAP_SYS_ADMIN). The
 * process is stopped for the moment of the read.
 *   dump-filter <pid> > filter.bpf
 */
#include <errno.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#ifndef PTRACE_SECCOMP_GET_FILTER
#define PTRACE_SECCOMP_GET_FILTER 0x420c
#endif

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: dump-filter PID\n"); return 2; }
  pid_t pid = atoi(argv[1]);
  if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0) { perror("ptrace attach"); return 1; }
  int status;
  if (waitpid(pid, &status, __WALL) < 0) { perror("waitpid"); return 1; }
  long n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, NULL);
  int rc = 0;
  if (n < 0) { perror("PTRACE_SECCOMP_GET_FILTER"); rc = 1; }
  else {
    struct sock_filter *f = calloc(n, sizeof *f);
    if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)0, f) != n) { perror("PTRACE_SECCOMP_GET_FILTER"); rc = 1; }
    else fwrite(f, sizeof *f, n, stdout);
  }
  ptrace(PTRACE_DETACH, pid, 0, 0);
  return rc;
}
