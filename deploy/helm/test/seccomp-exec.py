#!/usr/bin/python3
"""Runs a command under an OCI seccomp profile, as a container runtime would apply it (libseccomp, no_new_privs).

Usage: seccomp-exec.py PROFILE.json COMMAND [ARG...]
Names the native architecture lacks are skipped, as runc and crun skip them. Needs Debian's python3-seccomp.
"""
import errno
import json
import os
import sys

import seccomp

ACTIONS = {
    'SCMP_ACT_ALLOW': lambda p: seccomp.ALLOW,
    'SCMP_ACT_KILL': lambda p: seccomp.KILL,
    'SCMP_ACT_KILL_THREAD': lambda p: seccomp.KILL,
    'SCMP_ACT_KILL_PROCESS': lambda p: seccomp.KILL_PROCESS,
    'SCMP_ACT_ERRNO': lambda p: seccomp.ERRNO(p.get('errnoRet', p.get('defaultErrnoRet', errno.EPERM))),
    'SCMP_ACT_LOG': lambda p: seccomp.LOG,
}


def main():
    profile = json.load(open(sys.argv[1]))
    f = seccomp.SyscallFilter(defaction=ACTIONS[profile['defaultAction']](profile))
    native = seccomp.Arch.NATIVE
    for rule in profile.get('syscalls', []):
        action = ACTIONS[rule['action']](rule)
        for name in rule['names']:
            if seccomp.resolve_syscall(native, name) < 0:
                continue  # not a syscall of this architecture
            f.add_rule(action, name)
    f.load()
    os.execvp(sys.argv[2], sys.argv[2:])


if __name__ == '__main__':
    main()
