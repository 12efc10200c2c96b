# The child side of clone(2), for src/linux/clone.ts: a few instructions
# that run in the new process before it execs. Node cannot run JavaScript
# in a child of clone, and glibc's functions cannot be trusted there
# either (with CLONE_VM the child shares the parent's memory, so glibc's
# set*id would signal the parent's threads). The child is single-threaded,
# which is exactly what joining a user namespace needs, so this code also
# does that. Raw syscalls only; tramp(params), params as in trampoline.ts:
#
#   1. if waitFd >= 0: read one byte from it (the runtime writes it once
#      the child's uid/gid maps are in place);
#   2. setns(fd, 0) for each of nsFds, in order;
#   3. setresgid(gid) and setresuid(uid) unless -1;
#   4. if forkFd >= 0: fork with CLONE_PARENT (so that the new process is
#      in a pid namespace joined in step 2 and still the runtime's child),
#      write its pid to forkFd and exit; the new process goes on to
#   5. execveat(execFd, path, argv, envp, execFlags): the program by path
#      (AT_FDCWD), or the image in a memfd (AT_EMPTY_PATH);
#   on any failure: exit_group(errno).
#
# Built by scripts/build-native.sh into src/native/images.generated.ts.
        .text
        .globl tramp
tramp:
        mov %rdi, %r12
        mov 0(%r12), %rdi
        cmp $-1, %rdi
        je 1f
        sub $16, %rsp
        mov %rsp, %rsi
        mov $1, %edx
        xor %eax, %eax          # SYS_read
        syscall
        add $16, %rsp
        cmp $1, %rax
        jne 9f
1:
        mov 8(%r12), %r13
        lea 16(%r12), %r14
2:
        test %r13, %r13
        jz 3f
        mov (%r14), %rdi
        xor %esi, %esi
        mov $308, %eax          # SYS_setns
        syscall
        test %rax, %rax
        jnz 9f
        add $8, %r14
        dec %r13
        jmp 2b
3:
        mov 80(%r12), %rdi
        cmp $-1, %rdi
        je 4f
        mov %rdi, %rsi
        mov %rdi, %rdx
        mov $119, %eax          # SYS_setresgid
        syscall
        test %rax, %rax
        jnz 9f
4:
        mov 88(%r12), %rdi
        cmp $-1, %rdi
        je 5f
        mov %rdi, %rsi
        mov %rdi, %rdx
        mov $117, %eax          # SYS_setresuid
        syscall
        test %rax, %rax
        jnz 9f
5:
        mov 120(%r12), %rdi
        cmp $-1, %rdi
        je 6f
        mov $0x8011, %edi       # CLONE_PARENT | SIGCHLD: a sibling of ours, in the joined pid namespace
        xor %esi, %esi
        xor %edx, %edx
        xor %r10d, %r10d
        xor %r8d, %r8d
        mov $56, %eax           # SYS_clone
        syscall
        test %rax, %rax
        js 9f
        jz 6f
        sub $16, %rsp           # the parent reports the new pid and is done
        mov %eax, (%rsp)
        mov 120(%r12), %rdi
        mov %rsp, %rsi
        mov $4, %edx
        mov $1, %eax            # SYS_write
        syscall
        xor %edi, %edi
        mov $231, %eax          # SYS_exit_group
        syscall
6:
        mov 128(%r12), %rdi
        mov 96(%r12), %rsi
        mov 104(%r12), %rdx
        mov 112(%r12), %r10
        mov 136(%r12), %r8
        mov $322, %eax          # SYS_execveat
        syscall
9:
        neg %rax
        mov %rax, %rdi
        mov $231, %eax          # SYS_exit_group
        syscall
        hlt

# clone3_enter(args, size, fn, arg): clone3(2), the child calling fn(arg)
# on the stack clone_args gives it (fn is tramp above, which never
# returns); the parent gets the child's pid or -errno. clone3 is what
# places a child straight into a cgroup (CLONE_INTO_CGROUP), with no
# migration after the fact. A plain function call from the runtime.
        .org 512
        .globl clone3_enter
clone3_enter:
        push %r12
        push %r13
        mov %rdx, %r12          # fn; syscall keeps r12 and r13 (it clobbers rcx, r11)
        mov %rcx, %r13          # arg
        mov $435, %eax          # SYS_clone3(args, size)
        syscall
        test %rax, %rax
        jnz 1f
        mov %r13, %rdi          # the child, on its own stack
        call *%r12
        hlt
1:
        pop %r13
        pop %r12
        ret
