// code-exec's seccomp profile (OCI format, for `seccompProfile: {type: Localhost}`), written here by family and
// generated into deploy/helm/verimesh/files/seccomp/code-exec.json by derive-seccomp.ts, which also checks it
// against the syscalls the real service used under strace. The rule: what an ordinary container may do (files,
// memory, processes and threads, signals, time, polling, sockets, SysV/POSIX IPC), plus exactly what bubblewrap
// adds to build its sandboxes (new namespaces, mounts, pivot_root, hostname), and none of the calls that reach
// kernel state shared outside the pod (keyrings, BPF, perf, ptrace, modules, clocks, io_uring, handles, the new
// mount API, setns). Everything else fails with EPERM.

export interface SyscallFamily {
  family: string;
  /** Why the pod needs these. */
  why: string;
  names: string[];
}

export const FAMILIES: SyscallFamily[] = [
  {
    family: 'files',
    why: 'reading, writing and managing files and directories (every toolchain; the service compiles into /tmp)',
    names: [
      'read', 'write', 'readv', 'writev', 'pread64', 'pwrite64', 'preadv', 'pwritev', 'preadv2', 'pwritev2',
      'open', 'openat', 'openat2', 'creat', 'close', 'close_range', 'lseek',
      'stat', 'fstat', 'lstat', 'newfstatat', 'statx', 'statfs', 'fstatfs',
      'access', 'faccessat', 'faccessat2', 'readlink', 'readlinkat', 'getdents', 'getdents64', 'getcwd', 'chdir', 'fchdir',
      'mkdir', 'mkdirat', 'rmdir', 'unlink', 'unlinkat', 'rename', 'renameat', 'renameat2', 'link', 'linkat', 'symlink', 'symlinkat',
      'mknod', 'mknodat', 'chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'chown', 'fchown', 'lchown', 'fchownat', 'umask',
      'truncate', 'ftruncate', 'fallocate', 'fadvise64', 'readahead',
      'fsync', 'fdatasync', 'sync', 'syncfs', 'sync_file_range', 'copy_file_range', 'sendfile', 'splice', 'tee', 'vmsplice',
      'dup', 'dup2', 'dup3', 'fcntl', 'flock', 'ioctl', 'pipe', 'pipe2', 'memfd_create',
      'utime', 'utimes', 'utimensat', 'futimesat',
      'getxattr', 'lgetxattr', 'fgetxattr', 'listxattr', 'llistxattr', 'flistxattr', 'setxattr', 'lsetxattr', 'fsetxattr',
      'removexattr', 'lremovexattr', 'fremovexattr',
      'inotify_init', 'inotify_init1', 'inotify_add_watch', 'inotify_rm_watch',
    ],
  },
  {
    family: 'memory',
    why: 'allocation and mapping (V8, the JVM and CPython manage their heaps with these)',
    names: [
      'brk', 'mmap', 'munmap', 'mremap', 'mprotect', 'madvise', 'mincore', 'msync', 'remap_file_pages',
      'mlock', 'mlock2', 'munlock', 'mlockall', 'munlockall', 'membarrier', 'get_mempolicy',
      'pkey_alloc', 'pkey_free', 'pkey_mprotect',
    ],
  },
  {
    family: 'processes',
    why: 'processes and threads, their ids, limits and scheduling (the zygotes fork every run; compilers spawn their passes)',
    names: [
      'clone', 'clone3', 'fork', 'vfork', 'execve', 'execveat', 'exit', 'exit_group', 'wait4', 'waitid',
      'kill', 'tkill', 'tgkill', 'pidfd_open', 'pidfd_send_signal',
      'getpid', 'getppid', 'gettid', 'getpgid', 'setpgid', 'getpgrp', 'getsid', 'setsid',
      'getuid', 'geteuid', 'getgid', 'getegid', 'getresuid', 'getresgid', 'getgroups',
      'setuid', 'setgid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'setgroups', 'setfsuid', 'setfsgid',
      'capget', 'capset', 'prctl', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'get_robust_list',
      'futex', 'futex_waitv', 'rseq', 'seccomp',
      'sched_yield', 'sched_getaffinity', 'sched_setaffinity', 'sched_getparam', 'sched_setparam', 'sched_getscheduler',
      'sched_setscheduler', 'sched_get_priority_max', 'sched_get_priority_min', 'sched_rr_get_interval', 'sched_getattr', 'sched_setattr',
      'getpriority', 'setpriority', 'ioprio_get', 'ioprio_set', 'getcpu',
      'getrlimit', 'setrlimit', 'prlimit64', 'getrusage', 'times', 'sysinfo', 'uname', 'getrandom',
      'landlock_create_ruleset', 'landlock_add_rule', 'landlock_restrict_self',
    ],
  },
  {
    family: 'signals',
    why: 'signal handling (timeouts kill runs; runtimes catch SIGSEGV for their own use)',
    names: [
      'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigqueueinfo',
      'rt_tgsigqueueinfo', 'rt_sigsuspend', 'sigaltstack', 'signalfd', 'signalfd4', 'pause', 'alarm', 'restart_syscall',
    ],
  },
  {
    family: 'time',
    why: 'clocks, sleeps and timers (reading the clock only: setting it is denied)',
    names: [
      'clock_gettime', 'clock_getres', 'clock_nanosleep', 'nanosleep',
      'gettimeofday', 'time', 'getitimer', 'setitimer',
      'timer_create', 'timer_settime', 'timer_gettime', 'timer_getoverrun', 'timer_delete',
      'timerfd_create', 'timerfd_settime', 'timerfd_gettime',
    ],
  },
  {
    family: 'polling',
    why: "event loops (Node's libuv, the JVM, Python's selectors) and POSIX AIO",
    names: [
      'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_wait', 'epoll_pwait', 'epoll_pwait2', 'poll', 'ppoll',
      'select', 'pselect6', 'eventfd', 'eventfd2',
      'io_setup', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_submit', 'io_cancel',
    ],
  },
  {
    family: 'sockets',
    why: "the service's gRPC and metrics ports, and a sandbox's own loopback (it has no other network)",
    names: [
      'socket', 'socketpair', 'bind', 'listen', 'accept', 'accept4', 'connect', 'getsockname', 'getpeername', 'getsockopt', 'setsockopt',
      'sendto', 'recvfrom', 'sendmsg', 'recvmsg', 'sendmmsg', 'recvmmsg', 'shutdown',
    ],
  },
  {
    family: 'ipc',
    why: 'SysV and POSIX IPC inside the sandbox’s own IPC namespace (multiprocessing, shared memory)',
    names: [
      'shmget', 'shmat', 'shmdt', 'shmctl', 'msgget', 'msgsnd', 'msgrcv', 'msgctl', 'semget', 'semop', 'semtimedop', 'semctl',
      'mq_open', 'mq_unlink', 'mq_timedsend', 'mq_timedreceive', 'mq_notify', 'mq_getsetattr',
    ],
  },
  {
    family: 'bubblewrap',
    why:
      "what bwrap adds to an ordinary container's calls, as strace saw it: unshare/clone into new user, PID, network, " +
      'IPC, UTS and cgroup namespaces (clone/clone3 are in processes), mounts of the new root, /proc, /dev and tmpfs, ' +
      'pivot_root onto it, the sandbox hostname; the kernel allows them only inside the user namespace bwrap owns',
    names: ['unshare', 'mount', 'umount2', 'pivot_root', 'sethostname'],
  },
];

/**
 * Calls the real workload made (derive-seccomp.ts, under strace) that the profile denies on purpose, and why the
 * service still works: each is a hardening step whose failure is ignored, made unnecessary by the denial itself.
 */
export const DENIED_BUT_SEEN: Record<string, string> = {
  keyctl:
    "the Python zygote empties the kernel keyrings after each run (services/code-exec/src/sandbox/zygote.py) and ignores a " +
    'failure; with keyctl and add_key denied to the whole pod no run can put a key there in the first place',
};

/** Never allowed: kernel state shared outside the pod, or a known escape path. Checked by the tests. */
export const MUST_DENY = [
  'keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'kcmp',
  'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot', 'swapon', 'swapoff', 'acct',
  'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex', 'syslog', 'quotactl', 'iopl', 'ioperm',
  'open_by_handle_at', 'name_to_handle_at', 'userfaultfd', 'io_uring_setup', 'io_uring_enter', 'io_uring_register', 'fanotify_init',
  'setns', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr', 'lookup_dcookie', 'personality',
  'mbind', 'set_mempolicy', 'migrate_pages', 'move_pages', 'vhangup', 'uselib', 'nfsservctl', 'sysfs', '_sysctl',
];

/** What bubblewrap needs beyond an ordinary container (checked by the tests to be allowed). */
export const BWRAP_NEEDS = ['clone', 'clone3', 'unshare', 'mount', 'umount2', 'pivot_root', 'sethostname', 'capset', 'prctl', 'setresuid', 'setresgid', 'setgroups'];

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number }[];
}

/** The profile as shipped: one allow rule per family, names sorted; EPERM for everything else. */
export function buildProfile(): OciSeccomp {
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_AARCH64'],
    syscalls: FAMILIES.map((f) => ({ names: [...new Set(f.names)].sort(), action: 'SCMP_ACT_ALLOW' })),
  };
}

/** Every name the profile allows. */
export function allowedNames(p: OciSeccomp): Set<string> {
  return new Set(p.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW').flatMap((s) => s.names));
}
