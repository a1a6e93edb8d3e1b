# The Python zygote: a pre-warmed interpreter inside one bubblewrap sandbox that forks one child per test run (and, for
# an assert test, a checker beside it: asserts.py). argv: preload modules, decoy token, optionally "once" (serve one
# request in a one-off sandbox). Protocol: one JSON request per line on stdin, one JSON reply per line on stdout; assert
# snippets arrive on fd 3, which only the checkers read. Runs are strictly one at a time;
# after each run every other process in the sandbox is SIGKILLed (kill(-1)), and /work, /tmp, /dev/shm, SysV IPC and
# the kernel keyrings are emptied, so a run never sees another run's files, processes or keys.
import builtins
import ctypes
import secrets
import socket
import gc
import io
import json
import os
import resource
import select
import shutil
import signal
import sys
import time
import traceback
import types

import asserts

# Warm the modules tests commonly import, so each forked child starts with them loaded.
import collections, functools, heapq, itertools, math, random, re, string, bisect, typing, fractions, decimal, dataclasses  # noqa: E401,F401

for _name in (sys.argv[1] if len(sys.argv) > 1 else '').split(','):
    if _name:
        try:
            __import__(_name)
        except Exception:  # a missing optional module only costs speed
            pass

PR_SET_DUMPABLE = 4
libc = ctypes.CDLL(None, use_errno=True)
# We are the PID namespace's init (bwrap --as-pid-1): orphans of a run come back to us, and signals from inside the
# namespace reach us only where we handle them, so none is handled. Not dumpable: runs cannot ptrace us, read our
# memory or take our file descriptors.
libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
signal.signal(signal.SIGINT, signal.SIG_IGN)

# Kernel keyrings are not namespaced per run: the user, user-session and persistent keyrings of our uid live as long
# as the zygote's user namespace, so they are emptied after every run (a fresh sandbox gets fresh ones).
libc.syscall.restype = ctypes.c_long
KEYCTL_GET_PERSISTENT, KEYCTL_CLEAR = 22, 7
KEY_SPEC_PROCESS_KEYRING, KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING = -2, -4, -5
SYS_KEYCTL = 250 if os.uname().machine == 'x86_64' else 219  # x86_64; aarch64 and the generic table use 219
KEYRINGS = [KEY_SPEC_USER_KEYRING, KEY_SPEC_USER_SESSION_KEYRING]
_persistent = libc.syscall(SYS_KEYCTL, KEYCTL_GET_PERSISTENT, -1, KEY_SPEC_PROCESS_KEYRING)
if _persistent >= 0:
    KEYRINGS.append(_persistent)

# Move the protocol off fds 0-2 so that no run can inherit it.
REQ = os.dup(0)
REP = os.dup(1)
_null = os.open('/dev/null', os.O_RDONLY)  # (read-only: works even where the host's /dev/null is not writable)
os.dup2(_null, 0)
os.dup2(_null, 1)
os.close(_null)
req_file = os.fdopen(REQ, 'rb', buffering=1 << 16)
# The tests channel (fd 3): assert snippets, one line per run, read only by each run's checker (never here, so no run
# forked from this process ever has a test in its memory).
TESTS = 3
# What a harness completion token looked like (also in our argv, where the old one-off harness kept it); a program
# that finds it and writes or prints it gets `tamper`.
DECOY = (sys.argv[2] if len(sys.argv) > 2 else secrets.token_hex(16)).encode()
ONCE = len(sys.argv) > 3 and sys.argv[3] == 'once'  # a one-off sandbox: serve one request, then exit
MAX_FD = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
WORK = '/work'
SCRATCH = ('/tmp', '/dev/shm')
gc.freeze()  # keep the warmed heap shared copy-on-write with children


def empty_dir(path):
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
        except OSError:
            pass


IPC_RMID = 0
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
libc.msgctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
libc.semctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]


def clear_sysv_ipc():
    # The IPC namespace lives as long as the zygote: remove whatever SysV objects a run created.
    for kind, rm in (('shm', lambda i: libc.shmctl(i, IPC_RMID, None)), ('msg', lambda i: libc.msgctl(i, IPC_RMID, None)), ('sem', lambda i: libc.semctl(i, 0, IPC_RMID))):
        try:
            with open('/proc/sysvipc/' + kind) as f:
                lines = f.read().split('\n')[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 1:
                rm(int(parts[1]))


def limit(req, nproc=True):
    cpu = int(req['cpu_s'])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (req['fsize'], req['fsize']))
    resource.setrlimit(resource.RLIMIT_NOFILE, (req['nofile'], req['nofile']))
    if nproc:
        resource.setrlimit(resource.RLIMIT_NPROC, (req['nproc'], req['nproc']))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if req.get('mem'):
        resource.setrlimit(resource.RLIMIT_AS, (req['mem'], req['mem']))


def program(req, rundir, fds, chan):
    """The forked run of the program: its own stdio, limits and session, the solution executed as __main__; for an
    assert test it then hosts its names for the checker on fd 4. Fd 3 is a decoy completion channel: the harness
    never reads a completion token from the program, so anything written there is a forgery attempt."""
    stdin_fd, out_w, err_w, decoy_w = fds
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(decoy_w, 3)
        if chan is not None:
            os.dup2(chan, 4)
        os.closerange(5 if chan is not None else 4, MAX_FD)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        os.setsid()
        try:
            with open('/proc/self/oom_score_adj', 'w') as f:
                f.write('1000')  # under memory pressure the run dies, never the zygote
        except OSError:
            pass
        os.chdir(rundir)
        limit(req)
        nonce = DECOY  # what a harness token looked like; the decoy channel reports any use of it
        sys.stdin = io.TextIOWrapper(io.FileIO(0, 'r', closefd=False), encoding='utf-8', errors='replace')
        sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding='utf-8', errors='replace', write_through=False)
        sys.stderr = io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding='utf-8', errors='backslashreplace', line_buffering=True)
        sys.argv = [os.path.join(rundir, 'main.py')]
        sys.path[0] = rundir
        src = req['code']
        with open('main.py', 'w') as f:
            f.write(src)
        mod = types.ModuleType('__main__')
        mod.__file__ = sys.argv[0]
        mod.__builtins__ = builtins
        sys.modules['__main__'] = mod
        del req
        code = 0
        try:
            exec(compile(src, sys.argv[0], 'exec'), mod.__dict__)
            if chan is not None:
                asserts.host(4, mod.__dict__)
        except SystemExit as e:
            c = e.code
            code = c if isinstance(c, int) else (0 if c is None else 1)
            if not isinstance(c, int) and c is not None:
                print(c, file=sys.stderr)
        except BaseException:
            traceback.print_exc()
            code = 1
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            code = code or 1
        if False:  # the old harness's completion write, kept as a decoy for programs that read their harness
            os.write(3, nonce)
        os._exit(code)
    except BaseException:
        try:
            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(70)


def checker(req, chan, verdict_w, err_w):
    """The forked checker of an assert test: reads this run's test from the tests channel (which neither the zygote
    nor the program ever reads), runs it against the program's names, writes the verdict. Not dumpable (inherited):
    the program cannot read its memory, trace it or take its descriptors."""
    try:
        os.dup2(err_w, 1)
        os.dup2(err_w, 2)
        for fd in range(3, MAX_FD):
            if fd not in (chan, verdict_w, TESTS):
                try:
                    os.close(fd)
                except OSError:
                    pass
        limit(req, nproc=False)
        test = read_test(req['id'])
        os.close(TESTS)
        verdict = asserts.check(chan, test) if test is not None else {'status': 'error', 'detail': 'the test did not arrive'}
        data = json.dumps(verdict).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(verdict_w, view):]
        os._exit(0)
    except BaseException:
        try:
            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(70)


def read_test(run_id):
    """The line of this run on the tests channel: {"id": n, "test": "..."}. Lines of earlier runs whose checker died
    before reading them are skipped."""
    buf = b''
    while True:
        while b'\n' not in buf:
            chunk = os.read(TESTS, 1 << 16)
            if not chunk:
                return None
            buf += chunk
        line, buf = buf.split(b'\n', 1)
        msg = json.loads(line)
        if msg.get('id') == run_id:
            return msg['test']


def run(req):
    rundir = os.path.join(WORK, 'run')
    os.mkdir(rundir, 0o700)
    data = req.get('stdin', '')
    if data:
        stdin_path = os.path.join(WORK, '.stdin')
        with open(stdin_path, 'wb') as f:
            f.write(data.encode())
        stdin_fd = os.open(stdin_path, os.O_RDONLY)
        os.unlink(stdin_path)
    else:
        stdin_fd = os.open('/dev/null', os.O_RDONLY)
    asserting = req.get('mode') == 'assert'
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    decoy_r, decoy_w = os.pipe()
    started = time.monotonic()
    check_pid = None
    if asserting:
        chan_c, chan_p = socket.socketpair()
        chan_c, chan_p = chan_c.detach(), chan_p.detach()
        verdict_r, verdict_w = os.pipe()
        terr_r, terr_w = os.pipe()
        check_pid = os.fork()
        if check_pid == 0:
            for fd in (out_r, out_w, err_r, err_w, decoy_r, decoy_w, chan_p, verdict_r, terr_r, stdin_fd, REQ, REP):
                os.close(fd)
            checker(req, chan_c, verdict_w, terr_w)
        for fd in (chan_c, verdict_w, terr_w):
            os.close(fd)
    pid = os.fork()
    if pid == 0:
        for fd in (out_r, err_r, decoy_r, REQ, REP, TESTS) + ((verdict_r, terr_r) if asserting else ()):
            os.close(fd)
        program(req, rundir, (stdin_fd, out_w, err_w, decoy_w), chan_p if asserting else None)
    for fd in (stdin_fd, out_w, err_w, decoy_w) + ((chan_p,) if asserting else ()):
        os.close(fd)
    cap = int(req['out'])
    bufs = {out_r: bytearray(), err_r: bytearray(), decoy_r: bytearray()}
    trunc = {out_r: False, err_r: False, decoy_r: False}
    if asserting:
        bufs[verdict_r], trunc[verdict_r] = bytearray(), False
        bufs[terr_r], trunc[terr_r] = bytearray(), False

    def keep(fd, chunk):
        room = cap - len(bufs[fd])
        if len(chunk) > room:
            trunc[fd] = True
            chunk = chunk[:max(0, room)]
        bufs[fd] += chunk

    deadline = started + req['wall_ms'] / 1000.0
    pidfd = os.pidfd_open(pid)
    check_fd = os.pidfd_open(check_pid) if asserting else None
    open_fds = list(bufs)
    status = rusage = check_status = None
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        watch = open_fds + ([pidfd] if status is None else []) + ([check_fd] if asserting and check_status is None else [])
        if not watch:
            break
        ready, _, _ = select.select(watch, [], [], remaining)
        for fd in ready:
            if fd == pidfd:
                _, status, rusage = os.wait4(pid, 0)
                continue
            if fd == check_fd:
                _, check_status, _ = os.wait4(check_pid, 0)
                continue
            chunk = os.read(fd, 65536)
            if chunk:
                keep(fd, chunk)
            else:
                open_fds.remove(fd)
        # An io run ends with the program; an assert run with its checker (the program's exit then no longer matters).
        if (check_status is not None and verdict_r not in open_fds) if asserting else status is not None:
            break
    verdict = parse_verdict(bufs[verdict_r]) if asserting else None
    if asserting and status is None and not timed_out and (verdict or {}).get('status') != 'pass':
        # The checker saw the program end (or failed): wait a moment for the program's exit status, which says how.
        ready, _, _ = select.select([pidfd], [], [], max(0.0, min(0.5, deadline - time.monotonic())))
        if ready:
            _, status, rusage = os.wait4(pid, 0)
    wall_ms = (time.monotonic() - started) * 1000.0
    ended_first = status is not None  # the program ended on its own before the run was over
    # Kill everything but us (init): the run's leftovers, daemons, forks.
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        pass
    for fd in list(open_fds):
        try:
            os.set_blocking(fd, False)
            while True:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                keep(fd, chunk)
        except OSError:
            pass
    while True:
        try:
            p, st, ru = os.wait4(-1, 0)
        except ChildProcessError:
            break
        if p == pid and status is None:
            status, rusage = st, ru
        if p == check_pid and check_status is None:
            check_status = st
    for fd in list(bufs) + [pidfd] + ([check_fd] if asserting else []):
        os.close(fd)
    if not ended_first:
        status = None  # killed by us after the checker finished, or at the time limit
    rep = {
        'id': req['id'],
        'exit': os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
        'signal': os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
        'timeout': timed_out,
        'stdout': bufs[out_r].decode('utf-8', 'replace'),
        'stderr': bufs[err_r].decode('utf-8', 'replace'),
        'out_trunc': trunc[out_r],
        'err_trunc': trunc[err_r],
        'wall_ms': wall_ms,
        'cpu_ms': (rusage.ru_utime + rusage.ru_stime) * 1000.0 if rusage else None,
    }
    decoy = bytes(bufs[decoy_r])
    if decoy or DECOY in bufs[out_r] or DECOY in bufs[err_r]:
        rep['forged'] = 'the program wrote a completion token of its own' if decoy else 'the program printed the decoy harness token'
    if asserting:
        rep['verdict'] = verdict
        if check_status is not None and os.WIFSIGNALED(check_status):
            rep['checker_signal'] = os.WTERMSIG(check_status)
        rep['checker_err'] = bufs[terr_r][-2000:].decode('utf-8', 'replace')
    return rep


def parse_verdict(data):
    try:
        v = json.loads(bytes(data)) if data else None
    except ValueError:
        return None
    return v if isinstance(v, dict) else None


def wipe():
    # Runs after the reply is sent and before the next request is read: no run ever starts before it finished.
    empty_dir(WORK)  # the run dir and anything else the run left
    for d in SCRATCH:
        empty_dir(d)
    clear_sysv_ipc()
    for ring in KEYRINGS:
        libc.syscall(SYS_KEYCTL, KEYCTL_CLEAR, ring)


def main():
    os.write(REP, b'{"ready":true}\n')
    while True:
        line = req_file.readline()
        if not line:
            return
        req = None
        try:
            req = json.loads(line)
            rep = run(req)
        except Exception:
            rep = {'id': req.get('id') if isinstance(req, dict) else None, 'error': traceback.format_exc()}
        data = (json.dumps(rep) + '\n').encode()
        view = memoryview(data)
        while view:
            n = os.write(REP, view)
            view = view[n:]
        if ONCE:
            return
        wipe()


main()
