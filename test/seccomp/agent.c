/*
 * A seccomp agent for the tests: listens on a unix stream socket, takes
 * each container process state the runtime sends with its listener fd
 * (SCM_RIGHTS), and answers every notification on those fds: the syscall
 * returns <value> without running.
 *   agent <socket path> <log file> <value>
 * The log gets one line per state received (the JSON as sent) and one
 * "notified <nr>" line per notification answered.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS 64

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: agent SOCKET LOG VALUE\n"); return 2; }
  long value = strtol(argv[3], NULL, 0);
  FILE *log = fopen(argv[2], "a");
  if (!log) { perror("log"); return 1; }
  setvbuf(log, NULL, _IOLBF, 0);
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  unlink(argv[1]);
  if (bind(ls, (struct sockaddr *)&addr, sizeof addr) || listen(ls, 16)) { perror("bind"); return 1; }
  struct seccomp_notif_sizes sizes;
  if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes)) { perror("sizes"); return 1; }
  struct seccomp_notif *req = calloc(1, sizes.seccomp_notif);
  struct seccomp_notif_resp *resp = calloc(1, sizes.seccomp_notif_resp);
  struct pollfd fds[MAX_FDS + 1] = { { .fd = ls, .events = POLLIN } };
  int n = 1;
  fprintf(log, "listening\n");
  for (;;) {
    if (poll(fds, n, -1) < 0) { if (errno == EINTR) continue; perror("poll"); return 1; }
    if (fds[0].revents & POLLIN) {
      int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
      char data[8192], control[CMSG_SPACE(sizeof(int))];
      struct iovec iov = { .iov_base = data, .iov_len = sizeof data - 1 };
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control };
      ssize_t len = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
      struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
      if (len > 0 && cm && cm->cmsg_type == SCM_RIGHTS && n <= MAX_FDS) {
        data[len] = 0;
        fprintf(log, "%s\n", data);
        memcpy(&fds[n].fd, CMSG_DATA(cm), sizeof(int));
        fds[n].events = POLLIN;
        fds[n++].revents = 0;
      } else {
        fprintf(log, "bad message (%zd bytes%s)\n", len, cm ? "" : ", no fd");
      }
      close(c);
    }
    for (int i = 1; i < n; i++) {
      if (fds[i].revents & POLLIN) {
        memset(req, 0, sizes.seccomp_notif);
        if (ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_RECV, req)) continue;
        memset(resp, 0, sizes.seccomp_notif_resp);
        resp->id = req->id;
        resp->val = value;
        ioctl(fds[i].fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
        fprintf(log, "notified %d\n", req->data.nr);
      } else if (fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
        close(fds[i].fd);
        fds[i--] = fds[--n];
      }
    }
  }
}
