# The Python zygote: a pre-warmed interpreter inside one bubblewrap sandbox that forks one child per test run.
# Protocol: one JSON request per line on stdin, one JSON reply per line on stdout. Runs are strictly one at a time;
# after each run every other process in the sandbox is SIGKILLed (kill(-1)), and /work, /tmp, /dev/shm, SysV IPC and
# the kernel keyrings are emptied, so a run never sees another run's files, processes or keys.
import builtins
import ctypes
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
_null = os.open('/dev/null', os.O_RDWR)
os.dup2(_null, 0)
os.dup2(_null, 1)
os.close(_null)
req_file = os.fdopen(REQ, 'rb', buffering=1 << 16)
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


def child(req, rundir, fds):
    stdin_fd, out_w, err_w, done_w = fds
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(done_w, 3)
        os.closerange(4, MAX_FD)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        os.setsid()
        try:
            with open('/proc/self/oom_score_adj', 'w') as f:
                f.write('1000')  # under memory pressure the run dies, never the zygote
        except OSError:
            pass
        os.chdir(rundir)
        cpu = int(req['cpu_s'])
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (req['fsize'], req['fsize']))
        resource.setrlimit(resource.RLIMIT_NOFILE, (req['nofile'], req['nofile']))
        resource.setrlimit(resource.RLIMIT_NPROC, (req['nproc'], req['nproc']))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if req.get('mem'):
            resource.setrlimit(resource.RLIMIT_AS, (req['mem'], req['mem']))
        nonce = req['nonce'].encode()
        del req['nonce']
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
        except SystemExit as e:
            c = e.code
            code = c if isinstance(c, int) else (0 if c is None else 1)
            if not isinstance(c, int) and c is not None:
                print(c, file=sys.stderr)
            nonce = None  # an exit before the end is not a completed run
        except BaseException:
            traceback.print_exc()
            code = 1
            nonce = None
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            code = code or 1
        if nonce is not None and code == 0:
            os.write(3, nonce)
        os._exit(code)
    except BaseException:
        try:
            os.write(2, traceback.format_exc().encode())
        finally:
            os._exit(70)


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
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    done_r, done_w = os.pipe()
    nonce = req['nonce']
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        for fd in (out_r, err_r, done_r, REQ, REP):
            os.close(fd)
        child(req, rundir, (stdin_fd, out_w, err_w, done_w))
    for fd in (stdin_fd, out_w, err_w, done_w):
        os.close(fd)
    cap = int(req['out'])
    bufs = {out_r: bytearray(), err_r: bytearray(), done_r: bytearray()}
    trunc = {out_r: False, err_r: False, done_r: False}

    def keep(fd, chunk):
        room = cap - len(bufs[fd])
        if len(chunk) > room:
            trunc[fd] = True
            chunk = chunk[:max(0, room)]
        bufs[fd] += chunk

    deadline = started + req['wall_ms'] / 1000.0
    pidfd = os.pidfd_open(pid)
    open_fds = [out_r, err_r, done_r]
    status = None
    rusage = None
    timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        watch = open_fds + ([pidfd] if status is None else [])
        if not watch:
            break
        ready, _, _ = select.select(watch, [], [], remaining)
        for fd in ready:
            if fd == pidfd:
                _, status, rusage = os.wait4(pid, 0)
                continue
            chunk = os.read(fd, 65536)
            if chunk:
                keep(fd, chunk)
            else:
                open_fds.remove(fd)
        if status is not None:
            # The program is gone: whatever it left behind must not keep the run open.
            break
    wall_ms = (time.monotonic() - started) * 1000.0
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
    for fd in (out_r, err_r, done_r, pidfd):
        os.close(fd)
    rep = {
        'id': req['id'],
        'exit': os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
        'signal': os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
        'timeout': timed_out,
        'stdout': bufs[out_r].decode('utf-8', 'replace'),
        'stderr': bufs[err_r].decode('utf-8', 'replace'),
        'out_trunc': trunc[out_r],
        'err_trunc': trunc[err_r],
        'done': bytes(bufs[done_r]) == nonce.encode(),
        'wall_ms': wall_ms,
        'cpu_ms': (rusage.ru_utime + rusage.ru_stime) * 1000.0 if rusage else None,
    }
    return rep


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
        wipe()


main()
