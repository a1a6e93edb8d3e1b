"""A PEP 517/660 build backend in the standard library only, so that the package installs offline.

It builds a pure-Python wheel of src/verimesh (the generated gRPC stubs included) and an sdist of this directory.
"""
import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "verimesh"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(HERE, "src")


def _version():
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("version"):
                return line.split("=", 1)[1].strip().strip('"')
    raise RuntimeError("pyproject.toml has no version")


def _metadata():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\n"
        "Summary: Python client, coalescing batcher and trainer adapters for the Verimesh reward gateway\n"
        "License: Apache-2.0\nRequires-Python: >=3.9\n"
        "Provides-Extra: grpc\nRequires-Dist: grpcio>=1.51; extra == \"grpc\"\nRequires-Dist: protobuf>=3.20; extra == \"grpc\"\n"
        "Description-Content-Type: text/markdown\n\n" + readme
    )


def _files():
    for dirpath, dirnames, filenames in os.walk(os.path.join(SRC, NAME)):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for fn in sorted(filenames):
            if fn.endswith((".py", ".typed")):
                full = os.path.join(dirpath, fn)
                yield full, os.path.relpath(full, SRC).replace(os.sep, "/")


def _wheel(wheel_directory, entries):
    dist = f"{NAME}-{_version()}"
    path = os.path.join(wheel_directory, f"{dist}-py3-none-any.whl")
    record = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        def add(arcname, data):
            zf.writestr(arcname, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{arcname},sha256={digest},{len(data)}")
        for arcname, data in entries:
            add(arcname, data)
        add(f"{dist}.dist-info/METADATA", _metadata().encode())
        add(f"{dist}.dist-info/WHEEL", b"Wheel-Version: 1.0\nGenerator: verimesh-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        record.append(f"{dist}.dist-info/RECORD,,")
        zf.writestr(f"{dist}.dist-info/RECORD", "\n".join(record) + "\n")
    return os.path.basename(path)


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_sdist = get_requires_for_build_editable = get_requires_for_build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    entries = []
    for full, rel in _files():
        with open(full, "rb") as f:
            entries.append((rel, f.read()))
    return _wheel(wheel_directory, entries)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, [(f"_{NAME}_editable.pth", (SRC + "\n").encode())])


def build_sdist(sdist_directory, config_settings=None):
    dist = f"{NAME}-{_version()}"
    path = os.path.join(sdist_directory, f"{dist}.tar.gz")
    with tarfile.open(path, "w:gz") as tf:
        for rel in ["pyproject.toml", "README.md", "_build/backend.py"]:
            tf.add(os.path.join(HERE, rel), f"{dist}/{rel}")
        for full, rel in _files():
            tf.add(full, f"{dist}/src/{rel}")
        info = tarfile.TarInfo(f"{dist}/PKG-INFO")
        data = _metadata().encode()
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return os.path.basename(path)
