// tsrun-init: the container's init. A small interpreter of syscall
// programs, built by src/init/program.ts and described in docs/design.md.
//
// It knows nothing of containers: the runtime sends it a program (a list of
// syscalls with their arguments, a few jumps, loads and stores on its data,
// and the checks of each result), and it runs that program until an
// execve replaces it or a step fails. A failure is reported to the runtime
// as one record (the step, its errno, its description) and ends the
// process. Freestanding: no libc, raw x86_64 Linux syscalls only, so that
// the image is a few KiB and a waiting container costs little memory.
//
// Built by scripts/build-native.sh into src/native/images.generated.ts.

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef int i32;
typedef unsigned char u8;

#define SYS_read 0
#define SYS_write 1
#define SYS_mmap 9
#define SYS_prctl 157
#define SYS_exit_group 231
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15

#define MAGIC_PROGRAM 0x50525354u /* "TSRP" */
#define MAGIC_ERROR 0x45525354u   /* "TSRE" */
#define VERSION 1

enum { OP_SYSCALL = 1, OP_JUMP, OP_JEQ, OP_JNE, OP_JSET, OP_JLT, OP_LOAD, OP_STORE, OP_MOV, OP_ALU, OP_ITOA, OP_FAIL, OP_EXIT, OP_CALL, OP_RET };
enum { K_IMM = 0, K_DATA = 1, K_REG = 2 };
enum { ALU_ADD = 0, ALU_SUB, ALU_AND, ALU_OR, ALU_SHL, ALU_SHR };

#define ANY_ERRNO 0xffffffffu
#define NO_MSG 0xffffffffu
#define NO_REG 0xffff

// A failure attaches the string an argument points to (a path, say): bit
// 0 set, bits 1-3 the argument's index.
#define F_ARG_TEXT 1

struct insn {
  u8 op;
  u8 flags;
  unsigned short dst;
  u32 alt_errno; // a failure with this errno (or any, ANY_ERRNO) jumps to target instead of ending the program
  u32 target;
  u32 msg;       // data offset of the step's description, for the error record
  u32 nr;        // syscall number, or the ALU operation
  u8 kind[6];
  u8 pad2[6];
  i64 arg[6];
};

struct header {
  u32 magic, version, ninsn, insn_off, data_off, data_len, nreloc, reloc_off;
};

struct error_record {
  u32 magic, step;
  i32 err;
  u32 msg_len, extra_len;
  u32 nr; // the failed syscall, or NO_SYSCALL
  i64 value;
};
#define NO_SYSCALL 0xffffffffu

// 1024 registers; r0: where failures are reported (the sync socket, later the exec fifo);
// r1: the exit status after a failure; r2: where each syscall step's
// result is traced, or -1.
#define NREG 1024
#define R_REPORT 0
#define R_FAILCODE 1
#define R_TRACE 2

static i64 reg[NREG];
static struct insn *code;
static u32 ninsn;
static u8 *data;
static u32 data_len;
static u8 record[4096];
#define STACK 32
static u32 stack[STACK];
static u32 depth;

static inline i64 sys6(i64 n, i64 a, i64 b, i64 c, i64 d, i64 e, i64 f) {
  register i64 r10 __asm__("r10") = d;
  register i64 r8 __asm__("r8") = e;
  register i64 r9 __asm__("r9") = f;
  i64 ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

static __attribute__((noreturn)) void exit_group(i64 code) {
  for (;;) sys6(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

static u32 cstrlen(const u8 *s, u32 max) {
  u32 n = 0;
  while (n < max && s[n]) n++;
  return n;
}

static void copy(u8 *to, const u8 *from, u32 n) {
  for (u32 i = 0; i < n; i++) to[i] = from[i];
}

// One write of the whole record, then the end: the runtime reads it as a unit.
static __attribute__((noreturn)) void fail(u32 step, i32 err, i64 value, const u8 *extra, u64 extra_len) {
  struct error_record *r = (struct error_record *)record;
  u32 room = sizeof record - sizeof *r;
  const u8 *msg = 0;
  u32 msg_len = 0;
  if (step < ninsn && code[step].msg != NO_MSG && code[step].msg < data_len) {
    msg = data + code[step].msg;
    msg_len = cstrlen(msg, data_len - code[step].msg);
    if (msg_len > room / 2) msg_len = room / 2;
  }
  if (extra_len > room - msg_len) extra_len = room - msg_len;
  r->magic = MAGIC_ERROR;
  r->step = step;
  r->err = err;
  r->msg_len = msg_len;
  r->extra_len = (u32)extra_len;
  r->nr = step < ninsn && code[step].op == OP_SYSCALL ? code[step].nr : NO_SYSCALL;
  r->value = value;
  copy(record + sizeof *r, msg, msg_len);
  if (extra) copy(record + sizeof *r + msg_len, extra, (u32)extra_len);
  sys6(SYS_write, reg[R_REPORT], (i64)record, sizeof *r + msg_len + extra_len, 0, 0, 0);
  exit_group(reg[R_FAILCODE]);
}

static i64 value_of(u32 step, u8 kind, i64 arg) {
  switch (kind) {
  case K_IMM: return arg;
  case K_DATA:
    if ((u64)arg > data_len) fail(step, 0, arg, 0, 0);
    return (i64)(data + arg);
  case K_REG: return reg[(u64)arg % NREG];
  }
  fail(step, 0, kind, 0, 0);
}

static int read_all(i64 fd, u8 *buf, u64 len) {
  while (len) {
    i64 n = sys6(SYS_read, fd, (i64)buf, len, 0, 0, 0);
    if (n == -4) continue; // EINTR
    if (n <= 0) return -1;
    buf += n;
    len -= n;
  }
  return 0;
}

static void set(unsigned short dst, i64 v) {
  if (dst != NO_REG) reg[dst % NREG] = v;
}

static __attribute__((noreturn)) void run(void) {
  u32 pc = 0;
  for (;;) {
    if (pc >= ninsn) fail(pc, 0, 0, 0, 0); // the program ended without an execve or exit
    struct insn *in = &code[pc];
    i64 a[6];
    for (int i = 0; i < 6; i++) a[i] = value_of(pc, in->kind[i], in->arg[i]);
    u32 next = pc + 1;
    switch (in->op) {
    case OP_SYSCALL: {
      i64 r = sys6(in->nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      if (reg[R_TRACE] >= 0) {
        i64 t[2] = {(i64)pc | ((i64)in->nr << 32), r};
        sys6(SYS_write, reg[R_TRACE], (i64)t, sizeof t, 0, 0, 0);
      }
      set(in->dst, r);
      if (r < 0 && r > -4096) {
        if (in->alt_errno == ANY_ERRNO || (in->alt_errno && in->alt_errno == (u32)-r)) next = in->target;
        else if (in->flags & F_ARG_TEXT) {
          const u8 *text = (const u8 *)a[(in->flags >> 1) % 6];
          fail(pc, (i32)-r, 0, text, cstrlen(text, 4096));
        }
        else fail(pc, (i32)-r, 0, 0, 0);
      }
      break;
    }
    case OP_JUMP: next = in->target; break;
    case OP_JEQ: if (a[0] == a[1]) next = in->target; break;
    case OP_JNE: if (a[0] != a[1]) next = in->target; break;
    case OP_JSET: if (a[0] & a[1]) next = in->target; break;
    case OP_JLT: if (a[0] < a[1]) next = in->target; break;
    case OP_LOAD: {
      u8 *p = (u8 *)(a[0] + in->arg[2]);
      u64 v = 0;
      for (int i = (int)in->arg[1] - 1; i >= 0; i--) v = (v << 8) | p[i];
      set(in->dst, (i64)v);
      break;
    }
    case OP_STORE: {
      u8 *p = (u8 *)(a[0] + in->arg[2]);
      u64 v = (u64)a[3];
      for (int i = 0; i < (int)in->arg[1]; i++, v >>= 8) p[i] = (u8)v;
      break;
    }
    case OP_MOV: set(in->dst, a[0]); break;
    case OP_ALU: {
      u64 x = (u64)a[0], y = (u64)a[1], r = 0;
      switch (in->nr) {
      case ALU_ADD: r = x + y; break;
      case ALU_SUB: r = x - y; break;
      case ALU_AND: r = x & y; break;
      case ALU_OR: r = x | y; break;
      case ALU_SHL: r = x << (y & 63); break;
      case ALU_SHR: r = x >> (y & 63); break;
      default: fail(pc, 0, in->nr, 0, 0);
      }
      set(in->dst, (i64)r);
      break;
    }
    case OP_ITOA: {
      u8 digits[24];
      u32 n = 0;
      i64 v = a[0];
      u64 m = v < 0 ? -(u64)v : (u64)v;
      do { digits[n++] = (u8)('0' + m % 10); m /= 10; } while (m);
      u8 *out = (u8 *)a[1];
      u32 len = 0;
      if (v < 0) out[len++] = '-';
      while (n) out[len++] = digits[--n];
      out[len] = 0;
      set(in->dst, len);
      break;
    }
    case OP_FAIL: // a length of -1: the extra is a NUL-terminated string
      fail(pc, (i32)a[0], a[1], (const u8 *)a[2], a[3] == -1 ? cstrlen((const u8 *)a[2], 4096) : (u64)a[3]);
    case OP_CALL:
      if (depth >= STACK) fail(pc, 0, depth, 0, 0);
      stack[depth++] = pc + 1;
      next = in->target;
      break;
    case OP_RET:
      if (!depth) fail(pc, 0, 0, 0, 0);
      next = stack[--depth];
      break;
    case OP_EXIT: exit_group(a[0]);
    default: fail(pc, 0, in->op, 0, 0);
    }
    if (next >= ninsn && next != pc + 1) fail(pc, 0, next, 0, 0); // a jump out of the program
    pc = next;
  }
}

// argv[1]: the sync fd, in decimal. The program arrives on it: a 32-bit
// length, then the program.
__attribute__((noreturn, used)) void start(u64 *sp) {
  char **argv = (char **)(sp + 1);
  i64 fd = 0;
  for (const char *s = sp[0] > 1 ? argv[1] : "x"; *s; s++) {
    if (*s < '0' || *s > '9') exit_group(125);
    fd = fd * 10 + (*s - '0');
  }
  reg[R_REPORT] = fd;
  reg[R_FAILCODE] = 1;
  reg[R_TRACE] = -1;
  // Nothing in the container may ptrace us or open our memory or image.
  sys6(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
  // Exec'd from a memfd, our name would be its fd number.
  sys6(SYS_prctl, PR_SET_NAME, (i64)argv[0], 0, 0, 0, 0);
  u32 len;
  if (read_all(fd, (u8 *)&len, sizeof len) || len < sizeof(struct header)) exit_group(1);
  u8 *buf = (u8 *)sys6(SYS_mmap, 0, len, 3 /* PROT_READ|PROT_WRITE */, 0x22 /* MAP_PRIVATE|MAP_ANONYMOUS */, -1, 0);
  if ((i64)buf < 0 && (i64)buf > -4096) exit_group(1);
  if (read_all(fd, buf, len)) exit_group(1);
  struct header *h = (struct header *)buf;
  if (h->magic != MAGIC_PROGRAM || h->version != VERSION) fail(0, 0, h->magic, 0, 0);
  if ((u64)h->insn_off + (u64)h->ninsn * sizeof(struct insn) > len || (u64)h->data_off + h->data_len > len ||
      (u64)h->reloc_off + (u64)h->nreloc * 4 > len || h->insn_off % 8 || h->data_off % 8)
    fail(0, 0, len, 0, 0);
  code = (struct insn *)(buf + h->insn_off);
  ninsn = h->ninsn;
  data = buf + h->data_off;
  data_len = h->data_len;
  // Pointers inside the data (argv arrays, iovecs, struct fields) are
  // written as offsets from its start: they become addresses here.
  u32 *relocs = (u32 *)(buf + h->reloc_off);
  for (u32 i = 0; i < h->nreloc; i++) {
    if ((u64)relocs[i] + 8 > data_len) fail(0, 0, relocs[i], 0, 0);
    u64 *slot = (u64 *)(data + relocs[i]);
    *slot += (u64)data;
  }
  run();
}

__asm__(".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call start\n"
        "  hlt\n");

// gcc may emit calls to these for struct copies and zeroing.
void *memset(void *d, int c, u64 n) {
  u8 *p = d;
  while (n--) *p++ = (u8)c;
  return d;
}
void *memcpy(void *d, const void *s, u64 n) {
  copy(d, s, (u32)n);
  return d;
}
