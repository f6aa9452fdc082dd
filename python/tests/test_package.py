"""The installed package, and pipeline configs read through it."""
from pathlib import Path

import pytest

import freshet

from conftest import ROOT


def test_installed_package_is_importable_outside_the_source_tree_with_its_type_hints():
    package = Path(freshet.__file__).parent
    # Imported from the installation (site-packages), not from python/ in the repository.
    assert ROOT / "python" not in package.parents and package != ROOT / "python" / "freshet"
    assert (package / "py.typed").exists()
    assert (package / "_freshet.pyi").exists()
    assert list(package.glob("_freshet*.so"))
    assert issubclass(freshet.FencedError, freshet.FailedPreconditionError)
    assert issubclass(freshet.FailedPreconditionError, freshet.FreshetError)


def test_config_load_reads_the_file_as_the_command_line_does(ws):
    config = freshet.Config.load(str(ws.config))
    assert config.name == "ads"
    assert config.shards == 2
    assert config.bad_records == "skip"
    assert config.group_key == "item_id"
    assert config.has_groups
    assert "ad_id" in config.doc_columns and "updated_at" in config.doc_columns
    assert "price" in config.group_columns
    assert config.output.endswith("index")
    assert config.metastore == "sqlite:" + str(ws.path / "meta.db")
    assert config.lease_ttl == 120.0
    assert 0 <= config.shard_of("item-000600") < 2
    assert config.shard_of("item-000600", shards=1) == 0


def test_config_errors_name_the_file_and_the_key(ws):
    bad = ws.path / "bad.toml"
    bad.write_text(ws.config.read_text().replace('shards = 2', 'shards = "two"'))
    with pytest.raises(freshet.InvalidArgumentError) as e:
        freshet.Config.load(str(bad))
    assert str(e.value) == f"{bad}: pipeline.shards: expected an integer"

    broken = ws.path / "broken.toml"
    broken.write_text("[pipeline\nname = 1\n")
    with pytest.raises(freshet.InvalidArgumentError) as e:
        freshet.Config.load(str(broken))
    assert str(e.value).startswith(f"{broken}:1:")

    with pytest.raises(freshet.InvalidArgumentError) as e:
        freshet.Config.from_toml('[pipeline]\nname = "x"\noutput = "o"\nbogus = 1\n',
                                 origin="inline.toml")
    assert str(e.value) == "inline.toml: unknown key 'pipeline.bogus'"

    missing = ws.path / "missing.toml"
    with pytest.raises(freshet.FreshetError) as e:
        freshet.Config.load(str(missing))
    assert str(missing) in str(e.value)


def test_shard_out_of_range_is_refused(ws):
    config = freshet.Config.load(str(ws.config))
    with pytest.raises(freshet.InvalidArgumentError, match="shard 2 of 2"):
        freshet.ShardBuilder(config, 2)


def test_the_type_hints_name_what_the_module_defines():
    import ast

    stub = ast.parse((Path(freshet.__file__).parent / "_freshet.pyi").read_text())
    hinted, functions = {}, set()
    for node in stub.body:
        if isinstance(node, ast.ClassDef):
            hinted[node.name] = {n.name for n in node.body
                                 if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")}
        elif isinstance(node, ast.FunctionDef):
            functions.add(node.name)
    public = {name for name in dir(freshet._freshet) if not name.startswith("_")}
    assert set(hinted) | functions == public
    assert not set(hinted) & functions
    assert set(freshet.__all__) == public
    for name in functions:
        assert callable(getattr(freshet, name)) and getattr(freshet, name).__doc__, name
    for name, methods in hinted.items():
        if issubclass(getattr(freshet, name), BaseException):
            continue
        defined = {m for m in dir(getattr(freshet, name)) if not m.startswith("_")}
        assert methods == defined, name


def test_segment_refs_travel_between_processes():
    import pickle

    ref = freshet.SegmentRef("segments/ab.seg", 10, "0123456789abcdef", 3, 2)
    back = pickle.loads(pickle.dumps(ref))
    assert back == ref
    assert (back.key, back.size, back.checksum, back.docs, back.groups) == \
        ("segments/ab.seg", 10, "0123456789abcdef", 3, 2)
    assert back != freshet.SegmentRef("segments/ab.seg", 11, "0123456789abcdef", 3, 2)
