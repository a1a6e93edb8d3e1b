# Assert tests in two processes: the checker (trusted: runs the test snippet) and the host (untrusted: runs the
# solution and answers the checker's requests). The test never enters the host's memory, and every value the host
# returns crosses as data (a type-strict encoding decoded into fresh builtin values), so the comparisons of `assert
# f(x) == y` run on the checker's own values: nothing the solution does can make a comparison true, read the expected
# values or report completion. Objects that are not plain data stay in the host and reach the checker as opaque
# handles, compared by identity only; comparing one whose class overrides comparison raises `tamper`.
#
# Frames: 4-byte big-endian length + UTF-8 JSON. Requests ["q", n, op, ...] and replies ["r", n, ok, value] flow both
# ways (the solution may call back a function the test passed to it).
import binascii
import builtins
import collections
import json
import json.scanner
import operator
import os
import struct
import sys
import types

MAX_FRAME = 64 << 20
try:
    # One C encoder for every frame (JSONEncoder.encode builds a new one per call). No circular-reference check: a
    # frame is built by encode() below, fresh and depth-bounded.
    from _json import make_encoder as _make_encoder

    def _not_json(o):
        raise TypeError(f'{type(o).__name__} is not JSON serializable')

    _C_ENCODE = _make_encoder(None, _not_json, json.encoder.encode_basestring_ascii, None, ':', ',', False, False, False)

    def _ENCODE(msg):
        return ''.join(_C_ENCODE(msg, 0))
except ImportError:
    _ENCODE = json.JSONEncoder(separators=(',', ':'), allow_nan=False).encode
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # the C scanner itself (json.loads adds layers per call)


def _decode_frame(data):
    text = data.decode('utf-8')
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        raise ValueError('malformed frame') from None
    if end != len(text):
        raise ValueError('malformed frame')
    return value


MAX_DEPTH = 200
_CMP = ('__eq__', '__ne__', '__lt__', '__le__', '__gt__', '__ge__')

def _numpy(load=False):
    """numpy when the program imported it (encoding), or when a value needs it (decoding): never imported eagerly,
    so a zygote without it stays small."""
    np = sys.modules.get('numpy')
    if np is None and load:
        try:
            import numpy as np
        except Exception:
            return None
    return np


class ProgramEnded(BaseException):
    """The host ended (exited, crashed, was killed) before answering: the test did not run to its end."""


class RemoteError(Exception):
    """An exception of the solution whose class is not a builtin exception."""


class Peer:
    def __init__(self, fd):
        self.fd = fd
        self.next_id = 0
        self.objects = {}  # id -> object this side exported as a handle
        self.ids = {}  # id(object) -> handle id (one handle per object)
        self.handles = {}  # handle id received -> proxy (one proxy per remote object)
        self.buf = b''
        self.serve = None  # op name -> function(peer, *args) answering the other side's requests

    # -- framing --------------------------------------------------------------------------------------------------
    def send(self, msg):
        data = _ENCODE(msg).encode()
        data = struct.pack('>I', len(data)) + data
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except OSError:
                raise ProgramEnded('the other side closed the channel')
            view = view[n:]

    def _read(self, n):
        while len(self.buf) < n:
            try:
                chunk = os.read(self.fd, max(65536, n - len(self.buf)))
            except OSError:
                chunk = b''
            if not chunk:
                raise ProgramEnded('the other side closed the channel')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        (n,) = struct.unpack('>I', self._read(4))
        if n > MAX_FRAME:
            raise ProgramEnded(f'a frame of {n} bytes is over the limit')
        return _decode_frame(self._read(n))

    # -- requests -------------------------------------------------------------------------------------------------
    def request(self, op, *args):
        self.next_id += 1
        me = self.next_id
        self.send(['q', me, op, *args])
        while True:
            msg = self.recv()
            if not isinstance(msg, list) or not msg:
                raise ProgramEnded('malformed frame')
            if msg[0] == 'r' and len(msg) == 4 and msg[1] == me:
                if msg[2]:
                    return msg[3]  # raw: the caller decodes what it asked for
                raise self.error(msg[3])
            if msg[0] == 'q':
                self.answer(msg)
            elif msg[0] == 'done':
                raise ProgramEnded('the other side finished')
            # anything else (a stale or forged reply) is ignored

    def answer(self, msg):
        try:
            fn = self.serve.get(msg[2]) if self.serve and isinstance(msg[2], str) else None
            if fn is None:
                raise TypeError(f'unknown request {msg[2]!r}')
            reply = ['r', msg[1], True, fn(self, *msg[3:])]
        except ProgramEnded:
            raise
        except BaseException as e:  # noqa: BLE001 - every failure of the solution goes back as data
            reply = ['r', msg[1], False, [type(e).__name__, _safe_str(e)]]
        self.send(reply)

    def error(self, payload):
        name, text = (payload + ['', ''])[:2] if isinstance(payload, list) else ('Error', str(payload))
        cls = getattr(builtins, name, None) if isinstance(name, str) else None
        if isinstance(cls, type) and issubclass(cls, Exception) and cls.__module__ == 'builtins':
            try:
                return cls(text)
            except Exception:
                pass
        if name in ('SystemExit', 'KeyboardInterrupt'):
            return ProgramEnded(f'the program exited during a call ({name})')
        return RemoteError(f'{name}: {text}')

    # -- values ---------------------------------------------------------------------------------------------------
    def export(self, v):
        key = id(v)
        hid = self.ids.get(key)
        if hid is None:
            hid = len(self.objects) + 1
            self.objects[hid] = v
            self.ids[key] = hid
        return hid

    def encode(self, v, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError('value nested too deeply to cross between processes')
        t = type(v)
        if v is None or t is bool or t is int or t is str:
            return v
        if t is float:
            return ['f', v.hex()]
        if t is _FUNCTION:
            return ['h', self.export(v), 'function', _FUNCTION_FLAGS, True]  # (encode's last case, taken first)
        d = depth + 1
        if t is list:
            return ['l', [self.encode(x, d) for x in v]]
        if t is tuple:
            return ['t', [self.encode(x, d) for x in v]]
        if t is dict:
            return ['d', [[self.encode(k, d), self.encode(x, d)] for k, x in v.items()]]
        if t is set:
            return ['s', [self.encode(x, d) for x in v]]
        if t is frozenset:
            return ['fs', [self.encode(x, d) for x in v]]
        if t is bytes:
            return ['b', _b64(v)]
        if t is bytearray:
            return ['ba', _b64(bytes(v))]
        if t is complex:
            return ['c', v.real.hex(), v.imag.hex()]
        if t is range:
            return ['range', v.start, v.stop, v.step]
        fractions = sys.modules.get('fractions')  # a Fraction exists only where the module was imported
        decimal = sys.modules.get('decimal')
        if fractions is not None and t is fractions.Fraction:
            return ['Q', v.numerator, v.denominator]
        if decimal is not None and t is decimal.Decimal:
            return ['D', str(v)]
        if t is collections.OrderedDict:
            return ['od', [[self.encode(k, d), self.encode(x, d)] for k, x in v.items()]]
        if t is collections.defaultdict:
            return ['dd', [[self.encode(k, d), self.encode(x, d)] for k, x in dict.items(v)]]
        if t is collections.Counter:
            return ['C', [[self.encode(k, d), self.encode(x, d)] for k, x in dict.items(v)]]
        if t is collections.deque:
            return ['q', [self.encode(x, d) for x in v], v.maxlen]
        if issubclass(t, tuple) and _plain_namedtuple(t):
            return ['nt', t.__name__, list(t._fields), [self.encode(x, d) for x in tuple.__iter__(v)]]
        _np = _numpy()
        if _np is not None:
            if t is _np.ndarray and v.dtype.kind in 'biufcSUM':
                return ['np', v.dtype.str, list(v.shape), _b64(_np.ascontiguousarray(v).tobytes())]
            if isinstance(v, _np.generic) and t is _np.dtype(t).type and _np.dtype(t).kind in 'biufc':
                return ['ns', _np.dtype(t).str, _b64(v.tobytes())]
        if isinstance(v, Remote) and v._peer is self:
            return ['ref', v._id]  # a handle going back to the side that owns the object
        flags = _BUILTIN_FLAGS.get(t)
        return ['h', self.export(v), _type_name(t), _flags(t) if flags is None else flags, callable(v)]

    def decode(self, v, depth=0):
        if depth > MAX_DEPTH:
            raise ValueError('value nested too deeply')
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if not isinstance(v, list) or not v or not isinstance(v[0], str):
            raise ValueError('malformed value')
        tag, d = v[0], depth + 1
        if tag == 'f':
            return float.fromhex(v[1])
        if tag == 'l':
            return [self.decode(x, d) for x in v[1]]
        if tag == 't':
            return tuple(self.decode(x, d) for x in v[1])
        if tag in ('d', 'od', 'dd', 'C'):
            items = [(self.decode(k, d), self.decode(x, d)) for k, x in v[1]]
            if tag == 'd':
                return dict(items)
            if tag == 'od':
                return collections.OrderedDict(items)
            if tag == 'dd':
                return collections.defaultdict(None, items)
            out = collections.Counter()
            for k, x in items:
                out[k] = x
            return out
        if tag == 's':
            return {self.decode(x, d) for x in v[1]}
        if tag == 'fs':
            return frozenset(self.decode(x, d) for x in v[1])
        if tag == 'b':
            return binascii.a2b_base64(v[1])
        if tag == 'ba':
            return bytearray(binascii.a2b_base64(v[1]))
        if tag == 'c':
            return complex(float.fromhex(v[1]), float.fromhex(v[2]))
        if tag == 'range':
            return range(int(v[1]), int(v[2]), int(v[3]))
        if tag == 'Q':
            import fractions
            return fractions.Fraction(int(v[1]), int(v[2]))
        if tag == 'D':
            import decimal
            return decimal.Decimal(str(v[1]))
        if tag == 'q':
            return collections.deque([self.decode(x, d) for x in v[1]], v[2] if isinstance(v[2], int) else None)
        if tag == 'nt':
            cls = _namedtuple(str(v[1]), tuple(str(f) for f in v[2]))
            items = [self.decode(x, d) for x in v[3]]
            return cls(*items) if cls and len(items) == len(cls._fields) else tuple(items)
        _np = _numpy(load=True) if tag in ('np', 'ns') else None
        if _np is not None:
            dtype = _np.dtype(str(v[1]))
            if dtype.kind not in 'biufcSUM':
                raise ValueError('numpy data of an object dtype')
            if tag == 'ns':
                return _np.frombuffer(binascii.a2b_base64(v[2]), dtype=dtype)[0]
            arr = _np.frombuffer(binascii.a2b_base64(v[3]), dtype=dtype)
            return arr.reshape([int(n) for n in v[2]]).copy()
        if tag == 'h':
            hid = int(v[1])
            proxy = self.handles.get(hid)
            if proxy is None:
                flags = str(v[3]).split(',')
                proxy = (RemoteCallable if v[4] else Remote)(self, hid, str(v[2]), 'cmp' in flags, 'ops' in flags)
                self.handles[hid] = proxy
            return proxy
        if tag == 'ref':
            return self.objects[int(v[1])]
        raise ValueError(f'unknown value tag {tag!r}')


_NAMEDTUPLES = {}


def _namedtuple(name, fields):
    key = (name, fields)
    if key not in _NAMEDTUPLES:
        try:
            _NAMEDTUPLES[key] = collections.namedtuple(name, fields)
        except (ValueError, TypeError):
            _NAMEDTUPLES[key] = None
    return _NAMEDTUPLES[key]


def _b64(data):
    return binascii.b2a_base64(bytes(data), newline=False).decode()


def _safe_str(e):
    try:
        return str(e)[:2000]
    except BaseException:
        return '<unprintable>'


def _type_name(t):
    try:
        return f'{t.__module__}.{t.__qualname__}' if t.__module__ not in ('builtins', '__main__') else t.__qualname__
    except Exception:
        return '<type>'


def _overrides(t, name):
    """Whether a class of t's MRO other than a builtin type defines the comparison `name` itself."""
    try:
        for cls in t.__mro__:
            if name in cls.__dict__:
                return cls.__module__ != 'builtins'
    except Exception:
        return True
    return False


def _flags(t):
    """What a handle of type t says of it: 'cmp' (it overrides a comparison), 'ops' (an arithmetic operator)."""
    return ','.join((['cmp'] if any(_overrides(t, n) for n in _CMP) else []) + (['ops'] if any(_overrides(t, f'__{n}__') or _overrides(t, f'__r{n}__') for n in _BINOPS) else []))


def _plain_namedtuple(t):
    fields = getattr(t, '_fields', None)
    if not isinstance(fields, tuple) or not all(type(f) is str for f in fields):
        return False
    return not any(_overrides(t, n) for n in _CMP + ('__iter__', '__len__', '__getitem__'))


# -- the other side's objects ----------------------------------------------------------------------------------------

class Remote:
    """An object that lives on the other side: attribute access, calls, iteration and arithmetic are asked of its
    owner (they come back as data or further handles); comparisons never are (identity only)."""

    __slots__ = ('_peer', '_id', '_type', '_cmp', '_ops', '__weakref__')

    def __init__(self, peer, hid, type_name, cmp, ops=False):
        object.__setattr__(self, '_peer', peer)
        object.__setattr__(self, '_id', hid)
        object.__setattr__(self, '_type', type_name)
        object.__setattr__(self, '_cmp', cmp)
        object.__setattr__(self, '_ops', ops)

    def _ask(self, op, *args):
        return self._peer.request(op, self._id, *args)

    def _val(self, op, *args):
        return self._peer.decode(self._ask(op, *args))

    def _compared(self):
        if self._cmp:
            TAMPER.append(f'compared an object of class {self._type}, which overrides comparison')

    def __eq__(self, other):
        self._compared()
        return NotImplemented

    def __ne__(self, other):
        self._compared()
        return NotImplemented

    def __lt__(self, other):
        self._compared()
        return NotImplemented

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        return hash(('verimesh-remote', self._id))

    def __getattr__(self, name):
        if name.startswith('__') and name.endswith('__'):
            raise AttributeError(name)
        return self._val('getattr', name)

    def __setattr__(self, name, value):
        self._ask('setattr', name, self._peer.encode(value))

    def __delattr__(self, name):
        self._ask('delattr', name)

    def __iter__(self):
        it = self._val('iter')
        while True:
            ok, value = it._ask('next')
            if not ok:
                return
            yield it._peer.decode(value)

    def __next__(self):
        ok, value = self._ask('next')
        if not ok:
            raise StopIteration
        return self._peer.decode(value)

    def __len__(self):
        return _typed(self._val('len'), int)

    def __bool__(self):
        return _typed(self._val('bool'), bool)

    def __getitem__(self, key):
        return self._val('getitem', self._peer.encode(key))

    def __setitem__(self, key, value):
        self._ask('setitem', self._peer.encode(key), self._peer.encode(value))

    def __delitem__(self, key):
        self._ask('delitem', self._peer.encode(key))

    def __str__(self):
        return _typed(self._val('str'), str)

    def __repr__(self):
        return _typed(self._val('repr'), str)

    def __int__(self):
        return _typed(self._val('conv', 'int'), int)

    def __index__(self):
        return _typed(self._val('conv', 'index'), int)

    def __float__(self):
        return _typed(self._val('conv', 'float'), float)

    def __round__(self, n=None):
        return self._val('op', 'round', self._peer.encode(n))

    def __enter__(self):
        return self._val('method', '__enter__')

    def __exit__(self, *exc):
        return self._val('method', '__exit__')


class RemoteCallable(Remote):
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        peer = self._peer
        args = list(args)
        value, changed = self._ask('call', peer.encode(args), peer.encode(kwargs))
        # Arguments the owner changed in place are written back, so a test that checks a mutated list still works.
        for i, new in changed:
            if type(i) is int and 0 <= i < len(args):
                _write_back(args[i], peer.decode(new))
        return peer.decode(value)


def _typed(v, t):
    if type(v) is not t:
        raise TypeError(f'the program answered {type(v).__name__} where {t.__name__} was needed')
    return v


def _write_back(orig, new):
    t = type(orig)
    if t is not type(new):
        return
    if t is list or t is bytearray:
        orig[:] = new
    elif t is dict or t is set:
        orig.clear()
        orig.update(new)


def _binop(name):
    def op(self, other):
        # Arithmetic between the program's object and the test's own value (abs(f(x) - 0.5) < 1e-6) would run the
        # program's operator with the expected value as its operand: an object whose __sub__ answers 0 passed every
        # closeness test. Only the program's values are checked (they cross as data); with its own objects the
        # program may compute (Vector + Vector), with the test's values never.
        if not (isinstance(other, Remote) and other._peer is self._peer):
            if self._ops:
                TAMPER.append(f'computed with an object of class {self._type}, which overrides arithmetic, and a value of the test')
            raise TypeError(f'an object of class {self._type} made by the program cannot compute with the test\'s values (the test checks values the program returns)')
        return self._val('op', name, self._peer.encode(other))
    op.__name__ = f'__{name}__'
    return op


def _unop(name):
    def op(self):
        return self._val('op', name, None)
    op.__name__ = f'__{name}__'
    return op


_BINOPS = ('add', 'sub', 'mul', 'truediv', 'floordiv', 'mod', 'pow', 'and', 'or', 'xor', 'lshift', 'rshift', 'matmul')
_UNOPS = ('neg', 'pos', 'abs', 'invert')
for _n in _BINOPS:
    setattr(Remote, f'__{_n}__', _binop(_n))
    setattr(Remote, f'__r{_n}__', _binop(f'r{_n}'))
for _n in _UNOPS:
    setattr(Remote, f'__{_n}__', _unop(_n))

MODULE_ALIASES = {'np': 'numpy', 'pd': 'pandas', 'hq': 'heapq', 'it': 'itertools', 'ft': 'functools', 'op': 'operator'}
TAMPER = []  # the checker's own record of comparisons with objects that override them


def _call(peer, hid, args, kwargs):
    a = peer.decode(args)
    k = peer.decode(kwargs)
    before = [peer.encode(x) if type(x) in (list, dict, set, bytearray) else None for x in a]
    result = peer.objects[int(hid)](*a, **{str(key): val for key, val in k.items()})
    changed = []
    for i, (b, x) in enumerate(zip(before, a)):
        if b is not None:
            now = peer.encode(x)
            if now != b:
                changed.append([i, now])
    return [peer.encode(result), changed]


def _next(peer, hid):
    try:
        return [True, peer.encode(next(peer.objects[int(hid)]))]
    except StopIteration:
        return [False, None]


def _op(peer, hid, name, other):
    o = peer.objects[int(hid)]
    if name == 'round':
        n = peer.decode(other)
        return peer.encode(round(o) if n is None else round(o, n))
    if name in _UNOPS:
        return peer.encode(getattr(operator, name)(o))
    if name in _BINOPS:
        return peer.encode(getattr(operator, f'{name}_' if name in ('and', 'or') else name)(o, peer.decode(other)))
    if name.startswith('r') and name[1:] in _BINOPS:
        base = name[1:]
        return peer.encode(getattr(operator, f'{base}_' if base in ('and', 'or') else base)(peer.decode(other), o))
    raise TypeError(f'unknown operator {name!r}')


# The flags of the builtin types a solution's names most often are (fixed types: computed once, before any fork).
_BUILTIN_FLAGS = {t: _flags(t) for t in (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type, object)}
_FUNCTION = types.FunctionType
_FUNCTION_FLAGS = _BUILTIN_FLAGS[_FUNCTION]
_CONV = {'int': int, 'index': operator.index, 'float': float}
# Every request the host answers about the solution's objects (built once, before any program is forked).
_HOST_OPS = {
    'getattr': lambda peer, hid, name: peer.encode(getattr(peer.objects[int(hid)], str(name))),
    'setattr': lambda peer, hid, name, v: setattr(peer.objects[int(hid)], str(name), peer.decode(v)),
    'delattr': lambda peer, hid, name: delattr(peer.objects[int(hid)], str(name)),
    'call': _call,
    'method': lambda peer, hid, name: peer.encode(getattr(peer.objects[int(hid)], str(name))(*((None, None, None) if name == '__exit__' else ()))),
    'iter': lambda peer, hid: peer.encode(_Iter(iter(peer.objects[int(hid)]))),
    'next': _next,
    'len': lambda peer, hid: len(peer.objects[int(hid)]),
    'bool': lambda peer, hid: bool(peer.objects[int(hid)]),
    'getitem': lambda peer, hid, k: peer.encode(peer.objects[int(hid)][peer.decode(k)]),
    'setitem': lambda peer, hid, k, v: peer.objects[int(hid)].__setitem__(peer.decode(k), peer.decode(v)),
    'delitem': lambda peer, hid, k: peer.objects[int(hid)].__delitem__(peer.decode(k)),
    'str': lambda peer, hid: str(peer.objects[int(hid)]),
    'repr': lambda peer, hid: repr(peer.objects[int(hid)]),
    'conv': lambda peer, hid, kind: peer.encode(_CONV[str(kind)](peer.objects[int(hid)])),
    'op': _op,
}


def _call_callback(peer, hid, args, kwargs):
    # The only thing the host may do with the test's objects: call what the test passed it (key=, callbacks).
    fn = peer.objects[int(hid)]
    if not callable(fn):
        raise TypeError('not callable')
    return [peer.encode(fn(*peer.decode(args), **peer.decode(kwargs))), []]


_CHECKER_OPS = {'call': _call_callback}


class _Iter:
    """An iterator of the solution, exported as a handle (never as data: it may be endless)."""

    __slots__ = ('it',)

    def __init__(self, it):
        self.it = it

    def __next__(self):
        return next(self.it)


# -- the host (untrusted side) ---------------------------------------------------------------------------------------

def host(fd, namespace):
    """Offers the solution's top-level names (its module dict, after it ran to its end) to the checker and answers
    its requests until the checker is done or gone."""
    peer = Peer(fd)
    peer.serve = _HOST_OPS
    names = {}
    for k, v in list(namespace.items()):
        if not isinstance(k, str) or (k.startswith('__') and k.endswith('__')):
            continue
        if isinstance(v, types.ModuleType):
            names[k] = ['module', v.__name__]
            continue
        try:
            names[k] = peer.encode(v)
        except Exception:
            names[k] = ['h', peer.export(v), _type_name(type(v)), '', callable(v)]
    peer.send(['ready', names])
    try:
        while True:
            msg = peer.recv()
            if isinstance(msg, list) and msg and msg[0] == 'q':
                peer.answer(msg)
            elif isinstance(msg, list) and msg and msg[0] == 'done':
                return
    except ProgramEnded:
        return


# -- the checker (trusted side) ------------------------------------------------------------------------------------------

def check(fd, test):
    """Runs the test snippet against the host's solution; returns the verdict (a plain dict)."""
    peer = Peer(fd)
    peer.serve = _CHECKER_OPS
    try:
        first = peer.recv()
    except ProgramEnded:
        return {'status': 'not_ready', 'detail': 'the program exited before the tests ran'}
    if not (isinstance(first, list) and len(first) == 2 and first[0] == 'ready' and isinstance(first[1], dict)):
        return {'status': 'not_ready', 'detail': 'the program did not start the tests'}
    ns = {'__name__': '__main__', '__builtins__': builtins}
    try:
        for name, value in first[1].items():
            # Builtins (abs, sorted, set, ...) and dunders are never the solution's: a test compares with ours.
            if not isinstance(name, str) or not name.isidentifier() or hasattr(builtins, name) or name.startswith('__'):
                continue
            if isinstance(value, list) and len(value) == 2 and value[0] == 'module':
                # The solution's imports, imported here afresh (tests often rely on them: math, re, ...), and only
                # under their own name or a usual alias, so that `math` is always the real math.
                module = str(value[1])
                if module.split('.')[-1] == name or MODULE_ALIASES.get(name) == module:
                    try:
                        ns[name] = __import__(module, fromlist=['_'])
                    except Exception:
                        pass
            else:
                ns[name] = peer.decode(value)
    except Exception as e:
        return {'status': 'error', 'detail': f'the program offered malformed data: {_safe_str(e)}'}
    try:
        exec(compile(test, '<test>', 'exec'), ns)
        # No 'done' to the program: it is killed when the verdict is in (a message would only cost a wakeup).
    except ProgramEnded as e:
        return _verdict('ended', f'the program ended during the tests ({e})')
    except AssertionError as e:
        return _verdict('fail', _detail('AssertionError', e, test))
    except SystemExit as e:
        return _verdict('error', f'the test called exit({e.code!r})')
    except BaseException as e:  # noqa: BLE001
        return _verdict('error', _detail(type(e).__name__, e, test))
    return _verdict('pass', '')


def _verdict(status, detail):
    v = {'status': status, 'detail': detail}
    if TAMPER:
        v['tamper'] = TAMPER[0]
    return v


def _detail(name, e, test):
    import traceback
    where = next((f for f in reversed(traceback.extract_tb(e.__traceback__)) if f.filename == '<test>'), None)
    msg = _safe_str(e)
    out = f'{name}{": " + msg if msg else ""}'
    if where and where.lineno:
        lines = test.split('\n')
        line = lines[where.lineno - 1].strip() if where.lineno <= len(lines) else ''
        out += f' at test line {where.lineno}' + (f': {line[:200]}' if line else '')
    return out
