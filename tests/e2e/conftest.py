"""Shared fixtures for freshet's end-to-end tests.

Tests drive the real `freshet` binary (FRESHET_BIN, default build/release/freshet)
against a real local folder and a real SQLite file (or the PostgreSQL server
named by FRESHET_TEST_POSTGRES_URL, see `postgres_url`), with a fixed clock so
that hours of partitions run in seconds.

A test that sets a test switch (a crash or pause point, a safeguard turned
off: TEST_SWITCHES) runs `freshet-test` instead (FRESHET_TEST_BIN, default:
beside FRESHET_BIN), the same program built with its test seams: `freshet`
has none and ignores those variables.
"""
import atexit
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRESHET = os.environ.get("FRESHET_BIN", str(ROOT / "build" / "release" / "freshet"))
FRESHET_TEST = os.environ.get("FRESHET_TEST_BIN", str(Path(FRESHET).with_name("freshet-test")))
TEST_SWITCHES = ("FRESHET_TEST_CRASH_POINT", "FRESHET_TEST_PAUSE_POINT",
                 "FRESHET_TEST_DISABLE_SAFEGUARD")


def binary_for(env):
    """FRESHET_TEST when the environment `env` (a dict, may be None) sets a
    test switch, else FRESHET."""
    return FRESHET_TEST if env and any(k in env for k in TEST_SWITCHES) else FRESHET

# Readers of S3 outputs cache segments on disk: one throwaway folder per run
# (per test process), removed when the process ends.
if "FRESHET_SEGMENT_CACHE" not in os.environ:
    os.environ["FRESHET_SEGMENT_CACHE"] = tempfile.mkdtemp(prefix="freshet-segment-cache-")
    atexit.register(shutil.rmtree, os.environ["FRESHET_SEGMENT_CACHE"], ignore_errors=True)

START = "2026-05-04T10:00:00Z"
PERIOD_S = 300
START_S = 1777888800  # START as epoch seconds


def clock_after(partitions, extra_s=60):
    """A fixed clock just after the last of `partitions` generated partitions has
    ended (plus the 1-minute readiness delay): all of them are ready, no later one."""
    import datetime as dt
    t = dt.datetime.fromtimestamp(START_S + partitions * PERIOD_S + extra_s, dt.timezone.utc)
    return "fixed:" + t.strftime("%Y-%m-%dT%H:%M:%SZ")

CONFIG = """
[pipeline]
name = "{name}"
output = "index"
metastore = "{metastore}"
lag_policy = "{policy}"
max_lag = "20m"
cadence = "{cadence}"
lease_ttl = "{lease_ttl}"
retention = "{retention}"
bad_records = "{bad_records}"
shards = {shards}
delta_layers = {delta_layers}

[source]
url = "data/ads"
layout = "dt={{yyyy}}-{{MM}}-{{dd}}/hour={{HH}}/minute={{mm}}"
period = "5m"
format = "{fmt}"

[readiness]
marker = "_SUCCESS"
delay = "1m"

[columns]
doc_id = "ad_id"
group_key = "item_id"
version = "updated_at"
op = "op"
text = ["title", "description", "keywords"]
keyword = ["status", "campaign_id"]
numeric = ["bid"]
stored = ["ad_id", "item_id", "campaign_id", "title", "bid", "status"]

[group]
url = "data/items"
key = "item_id"
version = "updated_at"
op = "op"
prefix = "item_"
text = ["title", "brand", "category"]
keyword = ["brand", "category"]
numeric = ["price"]
stored = ["title", "brand", "category", "price"]
aggregates = ["count", "min:bid", "max:bid"]

[base]
snapshot = "data/snapshot"
docs = "ads"
groups = "items"
"""


def run(args, check=True, env=None, timeout=300, **kw):
    """Runs freshet with `args`; returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run([binary_for(full_env), *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(
            f"freshet {' '.join(args)} exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
            f"stderr:\n{proc.stderr}")
    return proc


class Workspace:
    """A folder with generated data, a pipeline config, an output and a metastore."""

    def __init__(self, path: Path):
        self.path = path
        self.config = path / "pipeline.toml"
        self.clock = clock_after(12)

    def write_config(self, policy="latest", bad_records="skip", retention="1h", shards=2,
                     metastore="sqlite:meta.db", name="ads", cadence="60s", lease_ttl="2m",
                     fmt="jsonl", delta_layers=8, segment_format=None):
        """`metastore`: a database URL (e.g. PostgreSQL's); `name`: the pipeline's
        name in it (tests sharing one database use distinct names);
        `segment_format`: written into the config when given, else
        FRESHET_E2E_SEGMENT_FORMAT's if set (which runs the suites on that
        format), else the default."""
        text = CONFIG.format(policy=policy, bad_records=bad_records, retention=retention,
                             shards=shards, metastore=metastore, name=name, cadence=cadence,
                             lease_ttl=lease_ttl, fmt=fmt, delta_layers=delta_layers)
        segment_format = segment_format or os.environ.get("FRESHET_E2E_SEGMENT_FORMAT")
        if segment_format:
            text = text.replace("[pipeline]\n", f"[pipeline]\nsegment_format = {int(segment_format)}\n", 1)
        self.config.write_text(text)

    def gen(self, partitions=12, seed=7, *extra, fmt="jsonl", out=None):
        self.clock = clock_after(partitions)
        run(["gen", "--workload", "tiny", "--out", str(out or self.path / "data"), "--seed", str(seed),
             "--format", fmt,
             "--start", START, "--partitions", str(partitions), *extra])

    def cli(self, *args, clock=None, check=True, env=None, timeout=300):
        args = list(args)
        clock = clock or self.clock
        if args[0] in ("run", "build-full", "compact", "status", "gc", "admin"):
            args += ["--config", str(self.config), "--clock", clock]
        elif args[0] == "query":
            args += ["--config", str(self.config)]
        return run(args, check=check, env=env, timeout=timeout)

    def status(self, clock=None):
        return json.loads(self.cli("status", "--json", "--batches", "1000", clock=clock).stdout)

    def all_docs(self, manifest=None):
        """Every doc of the generation CURRENT names (or of manifest key `manifest`)."""
        extra = ["--manifest", manifest] if manifest else []
        out = json.loads(self.cli("query", "*", "--json", "--limit", "100000000", *extra).stdout)
        return {h["id"]: h for h in out["hits"]}, out

    def query_ids(self, q, manifest=None):
        extra = ["--manifest", manifest] if manifest else []
        out = json.loads(self.cli("query", q, "--json", "--limit", "100000000", *extra).stdout)
        assert out["total"] == len(out["hits"])
        return sorted(h["id"] for h in out["hits"])


@pytest.fixture
def postgres_url():
    """The URL of the test PostgreSQL server (scripts/with-postgres.sh exports it);
    skips the test when there is none."""
    url = os.environ.get("FRESHET_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("FRESHET_TEST_POSTGRES_URL is not set: run under scripts/with-postgres.sh "
                    "(scripts/test.sh does)")
    return url


@pytest.fixture
def ws(tmp_path):
    w = Workspace(tmp_path)
    w.write_config()
    return w


def wait_for(predicate, timeout=30.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- S3 (scripts/with-minio.sh sets these) -----------------------------------

S3_BUCKET = os.environ.get("FRESHET_TEST_S3_BUCKET")
S3_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL")
requires_s3 = pytest.mark.skipif(
    not (S3_BUCKET and S3_ENDPOINT),
    reason="no S3 server: run under scripts/with-minio.sh (sets FRESHET_TEST_S3_BUCKET)")


@pytest.fixture
def s3_prefix(request):
    """A key prefix of the test bucket that no other test uses."""
    import uuid
    return f"e2e-{uuid.uuid4().hex[:10]}/{request.node.name}"


def s3_url(prefix, **options):
    url = f"s3://{S3_BUCKET}/{prefix}"
    if options:
        url += "?" + "&".join(f"{k}={v}" for k, v in options.items())
    return url


def s3_client():
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=S3_ENDPOINT,
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def use_s3_urls(ws, prefix, **options):
    """Rewrites the workspace's config so that input and output live in the bucket."""
    text = ws.config.read_text()
    for local, remote in (('output = "index"', "index"), ('url = "data/ads"', "data/ads"),
                          ('url = "data/items"', "data/items"),
                          ('snapshot = "data/snapshot"', "data/snapshot")):
        assert local in text, local
        key = local.split(" = ")[0]
        text = text.replace(local, f'{key} = "{s3_url(prefix + "/" + remote, **options)}"')
    ws.config.write_text(text)
