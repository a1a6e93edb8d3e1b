# The Python zygote: a pre-warmed interpreter inside one bubblewrap sandbox that runs one child per test, beside one
# long-lived checker of assert tests (asserts.py) and one long-lived forker. Imported as a module (`-c "import
# zygote"`, so that its compiled form is used) with argv: preload modules, decoy token, mode ("pool": a shared zygote,
# common modules warmed; "rollout": serve the tests of one rollout in a sandbox of its own, then go; "once": serve one
# request in a one-off sandbox), and the CPU to keep to ("-": any; else an index into the CPUs we may use). Protocol:
# one JSON request per line on stdin, one JSON reply per line on stdout; assert snippets arrive on fd 3, which only
# the checker reads. Runs are strictly one at a time; after each run every other process in the sandbox but the
# checker and the forker is SIGKILLed, and /work, /tmp, /dev/shm, SysV IPC and the kernel keyrings are emptied, so a
# run never sees another run's files, processes or keys; a checker or forker a run could have disturbed is replaced.
# The zygote itself never forks a run: the forker (a copy of the warm zygote that runs nothing but its loop) does, so
# the zygote's own memory is never shared copy-on-write with a live run and its per-run work costs no page faults.
import os
import sys

MODE = sys.argv[3]
if MODE == 'once':
    # A one-off sandbox starts us directly (no shell in front): the byte on fd 4 says the sandbox did start.
    os.write(4, b'.')
    os.close(4)

import builtins
import ctypes
import socket
import gc
import io
import json
import resource
import select
import signal
import _signal
import time
import types

# Started with -S: site's .pth files may import anything (a certifi hook, setuptools' distutils shim), which doubles
# the heap every fork copies. What programs expect of site is done here: exit()/quit()/help() and site-packages.
import site  # imported for its helpers only: with -S it does not run its main()

site.setquit()
site.setcopyright()
site.sethelper()
for _p in site.getsitepackages():
    if _p not in sys.path and os.path.isdir(_p):
        sys.path.append(_p)

import asserts  # noqa: E402 (after site-packages: it uses numpy when there is one)

ONCE = MODE == 'once'  # a one-off sandbox: serve one request, then exit
if sys.argv[4] != '-':
    # One CPU for the zygote and everything it forks (a shared zygote's slot): each hand-off of a run (zygote,
    # forker, program, checker) then stays in one CPU's caches and never waits for an idle CPU to wake up.
    _cpus = sorted(os.sched_getaffinity(0))
    try:
        os.sched_setaffinity(0, {_cpus[int(sys.argv[4]) % len(_cpus)]})
    except OSError:  # (a speed-up only)
        pass
if MODE == 'pool':
    # Warm the modules tests commonly import, so each forked child starts with them loaded (a one-off or per-rollout
    # sandbox would only pay for them).
    import collections, functools, heapq, itertools, math, random, re, string, bisect, typing, fractions, decimal, dataclasses, traceback  # noqa: E401,F401

for _name in sys.argv[1].split(','):
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
DECOY = sys.argv[2].encode()
MAX_FD = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
MAX_VERDICT = 1 << 20
WORK = '/work'
SCRATCH = ('/tmp', '/dev/shm')
RUNDIR = os.path.join(WORK, 'run')  # each run's own directory, its cwd
MAIN = os.path.join(RUNDIR, 'main.py')
# The runs' standard streams (fds 0-2 of each run), made once here and only ever used in the forked runs.
STDIO = (
    io.TextIOWrapper(io.FileIO(0, 'r', closefd=False), encoding='utf-8', errors='replace'),
    io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding='utf-8', errors='replace', write_through=False),
    io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding='utf-8', errors='backslashreplace', line_buffering=True),
)
gc.freeze()  # keep the warmed heap shared copy-on-write with children


def empty_dir(path):
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for e in entries:
        try:
            if e.is_dir(follow_symlinks=False):
                try:
                    if e.path == RUNDIR:  # the usual case: nothing in it but main.py
                        os.unlink(MAIN)
                    os.rmdir(e.path)
                except OSError:
                    import shutil
                    shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
        except OSError:
            pass


IPC_RMID = 0
SHM_INFO, MSG_INFO, SEM_INFO = 14, 12, 19
libc.shmctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
libc.msgctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
libc.semctl.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]  # (variadic: the fourth argument passes as is)
_IPC_INFO = (ctypes.c_int * 32)()


def clear_sysv_ipc():
    # The IPC namespace lives as long as the zygote: remove whatever SysV objects a run created. The *_INFO calls say
    # how many of each kind exist (shm_info.used_ids, msginfo.msgpool, seminfo.semusz), so /proc is read only then.
    for kind, count, rm in (
        ('shm', lambda: libc.shmctl(0, SHM_INFO, _IPC_INFO) >= 0 and _IPC_INFO[0], lambda i: libc.shmctl(i, IPC_RMID, None)),
        ('msg', lambda: libc.msgctl(0, MSG_INFO, _IPC_INFO) >= 0 and _IPC_INFO[0], lambda i: libc.msgctl(i, IPC_RMID, None)),
        ('sem', lambda: libc.semctl(0, 0, SEM_INFO, _IPC_INFO) >= 0 and _IPC_INFO[7], lambda i: libc.semctl(i, 0, IPC_RMID)),
    ):
        if not count():
            continue
        try:
            with open('/proc/sysvipc/' + kind) as f:
                lines = f.read().split('\n')[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 1:
                rm(int(parts[1]))


def program(head, fds):
    """The forked run of the program (from the forker, which made it the OOM killer's first choice and gave it
    Python's SIGINT handler): `head` says the size of the solution (main.py, open on the first fd) and the run's
    limits; then its own stdio, limits and session, the solution executed as __main__; for an assert test it then
    hosts its names for the checker on fd 4. Fd 3 is a decoy completion channel: the harness never reads a completion
    token from the program, so anything written there is a forgery attempt."""
    code_fd, stdin_fd, out_w, err_w, decoy_w = fds[:5]
    chan = fds[5] if len(fds) > 5 else None
    try:
        size, cpu, fsize, nofile, nproc, mem = map(int, head.split())
        src = os.pread(code_fd, size, 0).decode('utf-8', 'surrogatepass')
        # (the forker keeps fds 3-7 taken, so every fd received here is above the ones they are moved to)
        os.dup2(stdin_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(decoy_w, 3)
        if chan is not None:
            os.dup2(chan, 4)
        os.closerange(5 if chan is not None else 4, MAX_FD)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        os.setsid()
        os.chdir(RUNDIR)
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        resource.setrlimit(resource.RLIMIT_NPROC, (nproc + 1, nproc + 1))  # (+1: the forker)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if mem:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        nonce = DECOY  # what a harness token looked like; the decoy channel reports any use of it
        sys.stdin, sys.stdout, sys.stderr = STDIO
        sys.argv = [MAIN]
        sys.path[0] = RUNDIR
        mod = types.ModuleType('__main__')
        mod.__file__ = MAIN
        mod.__builtins__ = builtins
        sys.modules['__main__'] = mod
        code = 0
        try:
            exec(compile(src, MAIN, 'exec'), mod.__dict__)
            if chan is not None:
                asserts.host(4, mod.__dict__)
        except SystemExit as e:
            c = e.code
            code = c if isinstance(c, int) else (0 if c is None else 1)
            if not isinstance(c, int) and c is not None:
                print(c, file=sys.stderr)
        except BaseException:
            sys.__excepthook__(*sys.exc_info())  # the interpreter's own traceback printer (no traceback module needed)
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
            os.write(2, repr(sys.exc_info()[1]).encode())
        finally:
            os._exit(70)


class Helper:
    """A long-lived process of the zygote's own (the checker, the forker), forked from it before any run (so it holds
    no test and no run's memory), not dumpable (inherited: runs cannot read its memory, trace it or take its
    descriptors), speaking to the zygote over a socket. A run can still signal it or change its limits, priority or
    CPUs (same uid): it is checked after every run and replaced when anything changed."""

    def __init__(self, main):
        self.ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.pid = os.fork()
        if self.pid == 0:
            self.ctl.close()
            main(theirs)
        theirs.close()
        self.pidfd = os.pidfd_open(self.pid)
        self.status = None
        self.baseline = helper_state(self.pid)

    def healthy(self):
        if self.status is not None:
            return False
        try:
            os.kill(self.pid, signal.SIGCONT)  # a run may have stopped it
            return helper_state(self.pid) == self.baseline
        except OSError:
            return False

    def close(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        if self.status is None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        self.ctl.close()
        os.close(self.pidfd)


def helper_state(pid):
    return (
        tuple(resource.prlimit(pid, r) for r in (resource.RLIMIT_CPU, resource.RLIMIT_AS, resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC, resource.RLIMIT_STACK)),
        os.getpriority(os.PRIO_PROCESS, pid),
        frozenset(os.sched_getaffinity(pid)),
    )


def close_all_but(*keep):
    """Closes every fd from 3 up except `keep` (close_range: a high RLIMIT_NOFILE costs nothing)."""
    lo = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(lo, fd)
        lo = fd + 1
    os.closerange(lo, MAX_FD)


def checker_main(ctl):
    """The checker of assert tests: it reads each test from the tests channel, which only it reads, runs it against
    the program over a socket handed to it per run, and sends the verdict back (the zygote, and every program, never
    holds a test in memory)."""
    try:
        null = os.open('/dev/null', os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        close_all_but(ctl.fileno(), TESTS)
        buf = bytearray()
        while True:
            msg, fds, _, _ = socket.recv_fds(ctl, 1 << 16, 1)
            if not msg:
                os._exit(0)
            run_id = json.loads(msg)['id']
            chan = fds[0]
            test = read_test(run_id, buf)
            asserts.TAMPER.clear()
            try:
                verdict = asserts.check(chan, test) if test is not None else {'status': 'error', 'detail': 'the test did not arrive'}
            except BaseException as e:  # noqa: BLE001 - a broken checker still answers
                verdict = {'status': 'error', 'detail': f'the checker failed: {type(e).__name__}: {e}'}
            os.close(chan)
            ctl.send(json.dumps({'id': run_id, 'verdict': verdict}).encode())
    except BaseException:
        os._exit(70)


def read_test(run_id, buf):
    """The line of this run on the tests channel: {"id": n, "test": "..."}. Lines of earlier runs whose checker died
    before reading them are skipped; `buf` keeps what was read past the line."""
    while True:
        while b'\n' not in buf:
            chunk = os.read(TESTS, 1 << 16)
            if not chunk:
                return None
            buf += chunk
        i = buf.index(b'\n')
        line = bytes(buf[:i])
        del buf[:i + 1]
        msg = json.loads(line)
        if msg.get('id') == run_id:
            return msg['test']


NS_LAST_PID = '/proc/sys/kernel/ns_last_pid'


def forker_main(ctl):
    """The forker: per run, the program's fds (and the size of its request) arrive on `ctl`; it forks the program,
    says its pid, waits for it to end and says how it ended, its CPU time, and whether it was the last process the
    kernel created in our namespace. That is read while the program is still unreaped, so its pid cannot have been
    given out again: if the namespace's last pid is still the program's, no process or thread was created after it,
    so nothing of the run can be left but the program."""
    try:
        close_all_but(ctl.fileno())
        for _ in range(5):
            os.open('/dev/null', os.O_RDONLY)  # fds 3-7 taken: a program's fds arrive above the ones it moves them to
        # What every program gets, set once here: under memory pressure a run (or the forker, which is replaced)
        # dies, never the zygote; SIGINT raises KeyboardInterrupt. (Our own /proc files are writable only while we
        # are dumpable, for a moment in which no run exists: the forker starts between runs or before a run's
        # program.)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
        try:
            fd = os.open('/proc/self/oom_score_adj', os.O_WRONLY)
            try:
                os.write(fd, b'1000')
            finally:
                os.close(fd)
        except OSError:
            pass
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        _signal.signal(signal.SIGINT, _signal.default_int_handler)
        me = ctl.fileno()
        while True:
            msg, fds, _, _ = socket.recv_fds(ctl, 64, 8)
            if not msg:
                os._exit(0)
            pid = os.fork()
            if pid == 0:
                os.close(me)
                program(msg, fds)
            for fd in fds:
                os.close(fd)
            ctl.send(b'%d' % pid)
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
            fd = os.open(NS_LAST_PID, os.O_RDONLY)
            alone = int(os.read(fd, 32)) == pid
            os.close(fd)
            _, status, ru = os.wait4(pid, 0)
            ctl.send(b'%d %d %d %d' % (pid, status, alone, round((ru.ru_utime + ru.ru_stime) * 1e6)))
    except BaseException:
        os._exit(70)


CHECKER = None
FORKER = None


def kill_others(keep, scan=True):
    """SIGKILLs every process in our PID namespace but us and `keep` (the run's leftovers, daemons, forks), and reaps
    them; repeated until none is left (a fork bomb cannot outrun it: each pass kills what the last one missed, and the
    run's process limit bounds them). With `scan` false it only reaps what already ended (a helper a run killed).
    Returns the reaped statuses and CPU times (µs) by pid."""
    me = os.getpid()
    reaped = {}
    for _ in range(1000):
        others = [int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) != me and int(p) not in keep] if scan else []
        for p in others:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                p, st, ru = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if p == 0:
                break
            reaped[p] = (st, round((ru.ru_utime + ru.ru_stime) * 1e6))
        if not others:
            return reaped
        if all(p in reaped for p in others):
            continue
        time.sleep(0.0002)
    os.kill(-1, signal.SIGKILL)  # as a last resort the checker and the forker go too (new ones start)
    return reaped


def run(req):
    global CHECKER, FORKER
    os.mkdir(RUNDIR, 0o700)
    data = req.get('stdin', '')
    if data:
        stdin_path = os.path.join(WORK, '.stdin')
        with open(stdin_path, 'wb') as f:
            f.write(data.encode())
        stdin_fd = os.open(stdin_path, os.O_RDONLY)
        os.unlink(stdin_path)
    else:
        stdin_fd = os.open('/dev/null', os.O_RDONLY)
    code = req['code'].encode('utf-8', 'surrogatepass')
    fd = os.open(MAIN, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    view = memoryview(code)
    while view:
        view = view[os.write(fd, view):]
    os.close(fd)
    code_fd = os.open(MAIN, os.O_RDONLY)
    asserting = req.get('mode') == 'assert'
    if asserting and CHECKER is None:
        CHECKER = Helper(checker_main)
    if FORKER is None:
        FORKER = Helper(forker_main)
    checker = CHECKER if asserting else None
    forker = FORKER
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    decoy_r, decoy_w = os.pipe()
    started = time.monotonic()
    fds = [code_fd, stdin_fd, out_w, err_w, decoy_w]
    if asserting:
        chan_c, chan_p = socket.socketpair()
        socket.send_fds(checker.ctl, [json.dumps({'id': req['id']}).encode()], [chan_c.fileno()])
        chan_c.close()
        fds.append(chan_p.detach())
    head = b'%d %d %d %d %d %d' % (len(code), int(req['cpu_s']), req['fsize'], req['nofile'], req['nproc'], req.get('mem') or 0)
    socket.send_fds(forker.ctl, [head], fds)
    for fd in fds:
        os.close(fd)
    cap = int(req['out'])
    bufs = {out_r: bytearray(), err_r: bytearray(), decoy_r: bytearray()}
    trunc = {out_r: False, err_r: False, decoy_r: False}

    def keep(fd, chunk):
        room = cap - len(bufs[fd])
        if len(chunk) > room:
            trunc[fd] = True
            chunk = chunk[:max(0, room)]
        bufs[fd] += chunk

    # What the forker says: the program's pid, then how it ended (status, whether it was the last process created in
    # our namespace, CPU µs). Whether the program ended is also watched directly, through its pidfd: a run can stop
    # or break its forker, never hide its own end.
    pid = status = cpu_us = ppfd = None
    alone = ended = False

    def heard():
        """Reads the forker's next word; false when it is gone."""
        nonlocal pid, status, alone, cpu_us, ppfd, ended
        try:
            msg = forker.ctl.recv(64).split()
        except OSError:
            msg = []
        if len(msg) == 1:
            pid = int(msg[0])
            try:
                ppfd = os.pidfd_open(pid)
            except OSError:
                ended = True  # reaped already: its end is on its way
        elif len(msg) == 4:
            pid, status, alone, cpu_us = int(msg[0]), int(msg[1]), msg[2] == b'1', int(msg[3])
            ended = True
        else:
            return False
        return True

    def hear(seconds):
        """Waits at most `seconds` for the forker's next word; false when it is gone or said nothing."""
        ready, _, _ = select.select([fctl, forker.pidfd], [], [], seconds)
        return heard() if fctl in ready else False

    deadline = started + req['wall_ms'] / 1000.0
    fctl = forker.ctl.fileno()
    ctl = checker.ctl.fileno() if asserting else -1
    open_fds = list(bufs)
    verdict = None
    checker_died = forker_lost = timed_out = False
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        # An io run ends with the program; an assert run with its verdict (the program's exit then no longer matters,
        # and the forker's words wait on its socket until then).
        if asserting:
            watch = open_fds + ([ctl, checker.pidfd] if verdict is None and not checker_died else [])
        else:
            watch = open_fds + ([fctl] if pid is None else []) + ([ppfd] if ppfd is not None else [])
        ready, _, _ = select.select(watch, [], [], remaining)
        for fd in ready:
            if fd == fctl:
                forker_lost = not heard()
            elif fd == ppfd:
                ended = True
            elif fd == ctl:
                try:
                    msg = json.loads(checker.ctl.recv(MAX_VERDICT))
                except (OSError, ValueError):
                    msg = None
                if isinstance(msg, dict) and msg.get('id') == req['id']:
                    verdict = msg.get('verdict') if isinstance(msg.get('verdict'), dict) else None
                    if verdict is None:
                        checker_died = True
            elif asserting and fd == checker.pidfd:
                checker_died = True
            else:
                chunk = os.read(fd, 65536)
                if chunk:
                    keep(fd, chunk)
                else:
                    open_fds.remove(fd)
        if forker_lost or ((verdict is not None or checker_died) if asserting else ended):
            break
    os.kill(forker.pid, signal.SIGCONT)  # a run may have stopped it
    if pid is None and not forker_lost:
        forker_lost = not hear(1.0)
    if asserting and not ended and not timed_out and ppfd is not None and (verdict or {}).get('status') != 'pass':
        # The checker saw the program end (or failed): wait a moment for the program's end, whose status says how.
        ended = bool(select.select([ppfd], [], [], max(0.0, min(0.5, deadline - time.monotonic())))[0])
    wall_ms = (time.monotonic() - started) * 1000.0
    ended_first = ended  # the program ended on its own before the run was over
    if not ended and ppfd is not None:
        try:
            signal.pidfd_send_signal(ppfd, signal.SIGKILL)
        except ProcessLookupError:
            pass  # it ended meanwhile and was reaped: its end is on its way
    # How it ended, from the forker; one that cannot say so within a second is lost.
    while status is None and not forker_lost:
        os.kill(forker.pid, signal.SIGCONT)
        forker_lost = not hear(1.0)
    if ppfd is not None:
        os.close(ppfd)
    if forker_lost:
        # The forker goes first (so that the program, if still unreaped, is ours: orphans come to us), then everything
        # else but the checker.
        try:
            os.kill(FORKER.pid, signal.SIGKILL)
            FORKER.status = os.waitpid(FORKER.pid, 0)[1]
        except (OSError, ChildProcessError):
            pass
        reaped = kill_others({CHECKER.pid} if CHECKER is not None else set())
        if status is None and pid in reaped:
            status, cpu_us = reaped[pid]
    else:
        # Kill everything but us, the checker and the forker (the run's leftovers, daemons, forks); when the program
        # was the last process created, there is nothing to look for.
        reaped = kill_others({FORKER.pid} | ({CHECKER.pid} if CHECKER is not None else set()), scan=not alone)
        if FORKER.pid in reaped:
            FORKER.status = reaped[FORKER.pid][0]
    if not FORKER.healthy():
        FORKER.close()
        FORKER = None
    checker_signal = None
    if CHECKER is not None:
        st = reaped.get(CHECKER.pid)
        if st is not None:
            CHECKER.status = st[0]
            if os.WIFSIGNALED(st[0]):
                checker_signal = os.WTERMSIG(st[0])
        # A checker that a run could have disturbed (killed, stopped, its limits or priority changed, or busy with a
        # test that ran out of time) is replaced before the next run.
        if timed_out or checker_died or not CHECKER.healthy():
            if checker_signal is None and CHECKER.status is None:
                try:
                    _, st2 = os.waitpid(CHECKER.pid, os.WNOHANG)
                    if st2 and os.WIFSIGNALED(st2):
                        checker_signal = os.WTERMSIG(st2)
                        CHECKER.status = st2
                except ChildProcessError:
                    pass
            CHECKER.close()
            CHECKER = None
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
    for fd in bufs:
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
        'cpu_ms': cpu_us / 1000.0 if cpu_us is not None else None,
    }
    decoy = bytes(bufs[decoy_r])
    if decoy or DECOY in bufs[out_r] or DECOY in bufs[err_r]:
        rep['forged'] = 'the program wrote a completion token of its own' if decoy else 'the program printed the decoy harness token'
    if asserting:
        rep['verdict'] = verdict
        if checker_signal is not None:
            rep['checker_signal'] = checker_signal
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
            import traceback
            rep = {'id': req.get('id') if isinstance(req, dict) else None, 'error': traceback.format_exc()}
        data = (json.dumps(rep) + '\n').encode()
        view = memoryview(data)
        while view:
            n = os.write(REP, view)
            view = view[n:]
        if ONCE:
            os._exit(0)  # the sandbox ends with us: no interpreter shutdown to wait for
        wipe()


main()
