"""Fixtures of the Python package's tests: the end-to-end suite's workspace
(generated data, a pipeline config, the `freshet` binary of FRESHET_BIN) for
comparing the binding with the command line."""
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_spec = importlib.util.spec_from_file_location("e2e_conftest", ROOT / "tests" / "e2e" / "conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)

Workspace = e2e.Workspace
postgres_url = e2e.postgres_url
s3_prefix = e2e.s3_prefix
requires_s3 = e2e.requires_s3
use_s3_urls = e2e.use_s3_urls


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path)
    w.write_config()
    return w


def snapshot_lines(ws, stream):
    """(file key, [line, ...]) of the snapshot's JSON Lines files of `stream`
    ("ads" or "items"), in key order, as build-full lists them."""
    folder = ws.path / "data" / "snapshot" / stream
    return [(f"{stream}/{p.name}", p.read_text().splitlines())
            for p in sorted(folder.glob("*.jsonl"))]


def records_of(lines):
    """Each line as a dict, or as the line itself when it is not JSON (the
    binding reports a non-mapping as a bad record, as build-full reports a
    line it cannot parse)."""
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            out.append(line)
    return out


def current_manifest(ws, output="index"):
    """(key, manifest) of the generation CURRENT names in the output folder."""
    index = ws.path / output
    key = (index / "CURRENT").read_text().strip()
    return key, json.loads((index / key).read_text())
