"""Fault-injection suite: randomized scenarios that each attack one or more of
DESIGN.md's eight invariants, against the real binary, the real local store
and a real SQLite metastore, checked by the independent oracle of tests/e2e.

    fault_suite.py --scenarios 250 --seed 1          # a CI-sized run
    fault_suite.py --replay crash_point:123456789    # replay one scenario
    fault_suite.py --safeguards                      # each safeguard off in turn

Every scenario = a small workload (the tiny catalogue, a few partitions, a
fixed clock) + faults + the checks below. A run prints: scenarios run, faults
injected, invariant violations (must be 0), docs lost (must be 0), and for
each failure the NAME:SEED that replays it. Exit 1 on any violation.

Invariants and their checks (DESIGN.md numbering):
  1 watermark history (sampled after every process and in the batch log) never decreases
  2 every generation a concurrent reader opens verifies; corrupt segments are reported
  3 CURRENT's versions only increase and each names a committed manifest;
    what CURRENT names is never collected
  4 after faults, a clean catch-up equals the oracle of a crash-free run
  5 a runner of a superseded epoch never commits; batch-log epochs never decrease
  6 every visible group is whole: its docs' group count equals the docs visible
  7 bad input never crashes; skipped records are counted and listed exactly
  8 canary secrets never appear in output, logs, status or published files
  9 a generation built only from bad records, or dropping most live docs, is
    refused (exit 6) and nothing is published, unless the operator allows it
"""
import argparse
import concurrent.futures
import datetime as dt
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "e2e"))

# Scenarios set crash and pause points and turn safeguards off: they run the
# binary built with its test seams (conftest: FRESHET_TEST).
from conftest import FRESHET_TEST, S3_BUCKET, S3_ENDPOINT, Workspace, s3_url  # noqa: E402
from oracle import diff_docs, expected_index  # noqa: E402
from runners import CurrentWatcher, manifest_version  # noqa: E402

try:
    import delta_tables  # noqa: E402 (needs the deltalake package)
except ImportError:
    delta_tables = None

CUT_S = 1777888800
PERIOD_S = 300
PARTITIONS = 4
CRASH_POINTS = ["after_listing", "mid_read", "after_read", "after_inputs", "after_segments",
                "after_manifest", "after_supersessions", "before_commit", "after_commit", "during_gc"]
# The points a compaction (`freshet compact`) passes, in order.
COMPACTION_POINTS = ["after_merge", "after_segments", "after_manifest", "before_commit",
                     "after_commit"]
SECRET = "fs-canary-7d1e0c9b"  # put where secrets live: it must never come out


def ts(seconds):
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def fixed(seconds):
    return "fixed:" + ts(seconds)


def parse_ts(text):
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def newest_ready(now_s):
    """The newest partition ready by delay (1m) at `now_s`."""
    return CUT_S + (now_s - PERIOD_S - 60 - CUT_S) // PERIOD_S * PERIOD_S


class Violation(Exception):
    pass


# --- templates: generated data + a published base, copied per scenario -----

_templates = {}
_templates_lock = threading.Lock()


def template(root, name):
    """A workspace folder with data and a committed base, built once per run."""
    with _templates_lock:
        if name in _templates:
            return _templates[name]
        path = Path(root) / f"template-{name}"
        ws = Workspace(path)
        path.mkdir(parents=True)
        ws.write_config()
        if name == "delta":
            # Delta tables (tests/e2e/delta_tables.py) holding all partitions
            # but the last two, one commit per partition and stream.
            delta_tables.write_delta_config(ws)
            delta_tables.generate(ws, PARTITIONS, 7)
            delta_tables.append_partitions(ws, 0, PARTITIONS - 2)
        else:
            extra = {"plain": (), "messy": ("--late-files", "0.3", "--missing-markers", "0.3",
                                            "--malformed", "0.01")}[name]
            ws.gen(PARTITIONS, 7, *extra)
        ws.cli("build-full")
        _templates[name] = path
        return path


class Ctx:
    """One scenario: its workspace, RNG, counters and every output it saw."""

    def __init__(self, root, name, seed, safeguard=None, options=None):
        self.name = name
        self.options = options or {}
        self.seed = seed
        self.rng = random.Random(seed)
        self.root = Path(root) / f"{name}-{seed}"
        self.faults = 0
        self.violations = []  # (invariant, message)
        self.docs_lost = 0
        self.outputs = []
        self.env = {"AWS_SECRET_ACCESS_KEY": SECRET, "PGPASSWORD": SECRET}
        self.secrets = [SECRET]
        if safeguard:
            self.env["FRESHET_TEST_DISABLE_SAFEGUARD"] = safeguard
        self.watermarks = []
        self.partitions = PARTITIONS
        self.final_clock = fixed(CUT_S + PARTITIONS * PERIOD_S + 60)
        self.expected_target = CUT_S + (PARTITIONS - 1) * PERIOD_S
        self.ws = None
        self.mounts = []

    def violate(self, invariant, message):
        self.violations.append((invariant, message))

    def setup(self, tmpl="plain", fresh_output=False, **config):
        """Copies a template; `fresh_output`: without its published base."""
        src = template(self.root.parent, tmpl)
        shutil.copytree(src, self.root, symlinks=True)
        if fresh_output:
            shutil.rmtree(self.root / "index")
        self.ws = Workspace(self.root)
        self.ws.clock = self.final_clock
        self.config = dict(config)
        self.ws.write_config(**config)
        self.watcher = CurrentWatcher(self.ws, interval=0.005)
        self.watcher.start()
        return self.ws

    # Processes -------------------------------------------------------------

    def args(self, *args, clock=None):
        args = list(args)
        if args[0] in ("run", "build-full", "compact", "status", "gc", "admin"):
            args += ["--config", str(self.ws.config), "--clock", clock or self.final_clock]
        elif args[0] == "query":
            args += ["--config", str(self.ws.config)]
        return [FRESHET_TEST, *args]

    def fx(self, *args, clock=None, env=None, timeout=120, prefix=()):
        """Runs freshet; a death by any signal but our own SIGKILL is a crash."""
        full = dict(os.environ, **self.env, **(env or {}))
        p = subprocess.run([*prefix, *self.args(*args, clock=clock)], capture_output=True,
                           text=True, errors="replace", env=full, timeout=timeout)
        self.outputs.append(p.stdout + p.stderr)
        if p.returncode < 0 and p.returncode != -signal.SIGKILL:
            self.violate(7, f"freshet {args[0]} died of signal {-p.returncode}: {p.stderr[-400:]}")
        self.check_sanitizers(p.stderr)
        return p

    def check_sanitizers(self, stderr):
        """Under the ASan/UBSan binary, a report is a crash even if the exit code is 1."""
        for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
            if marker in stderr:
                at = stderr.index(marker)
                self.violate(7, f"sanitizer report: {stderr[at:at + 400]}")
                return

    def popen(self, *args, clock=None, env=None):
        full = dict(os.environ, **self.env, **(env or {}))
        return subprocess.Popen(self.args(*args, clock=clock), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, errors="replace", env=full)

    def collect(self, proc, timeout=120):
        out, err = proc.communicate(timeout=timeout)
        self.outputs.append(out + err)
        if proc.returncode < 0 and proc.returncode != -signal.SIGKILL:
            self.violate(7, f"freshet died of signal {-proc.returncode}: {err[-400:]}")
        self.check_sanitizers(err)
        return proc.returncode, err

    def status(self):
        p = self.fx("status", "--json", "--batches", "1000")
        if p.returncode != 0:
            raise Violation(f"status failed: {p.stderr[-400:]}")
        return json.loads(p.stdout)

    def sample_watermark(self):
        wm = self.status()["watermark"]
        if wm:
            self.watermarks.append(parse_ts(wm))
            if self.watermarks != sorted(self.watermarks):
                self.violate(1, f"watermark went backwards: {[ts(w) for w in self.watermarks]}")

    def run_once(self, clock=None, env=None):
        p = self.fx("run", "--once", "--holder", "fault-runner", clock=clock, env=env)
        self.sample_watermark()
        return p

    def converge(self, clock=None):
        """Runs clean batches until one is idle; the result of every scenario."""
        before = None
        for _ in range(3 * self.partitions + 6):
            p = self.run_once(clock=clock)
            if p.returncode != 0:
                self.violate(4, f"clean catch-up batch failed: {p.stderr[-400:]}")
                return
            version = self.status()["manifest_version"]
            if version == before:
                return
            before = version
        self.violate(4, "clean batches never went idle")


# --- readers -----------------------------------------------------------------

class Reader(threading.Thread):
    """Opens the served generation in a loop, like a query server would."""

    def __init__(self, ctx):
        super().__init__(daemon=True)
        self.ctx = ctx
        self.halt = threading.Event()
        self.errors = []
        self.reads = 0

    def current(self):
        try:
            return (self.ctx.ws.path / "index" / "CURRENT").read_text()
        except OSError:
            return None

    def run(self):
        # With retention 0s, collection may delete the generation a reader is
        # still opening once CURRENT has moved on (retention exists to prevent
        # that): such a failure counts only if CURRENT had not moved.
        zero_retention = self.ctx.config.get("retention") == "0s"
        while not self.halt.is_set():
            before = self.current()
            try:
                p = subprocess.run(self.ctx.args("query", "*", "--json", "--limit", "1"),
                                   capture_output=True, text=True, errors="replace",
                                   env=dict(os.environ, **self.ctx.env), timeout=60)
            except (OSError, subprocess.TimeoutExpired) as e:
                self.errors.append(f"reader could not run freshet: {e}")
                return
            self.reads += 1
            self.ctx.outputs.append(p.stderr)
            if p.returncode != 0 and "nothing published" not in p.stderr:
                if not (zero_retention and "NotFound" in p.stderr and self.current() != before):
                    self.errors.append(p.stderr.strip()[-300:])
            time.sleep(0.05)

    def check(self):
        self.halt.set()
        self.join()
        for e in self.errors[:3]:
            self.ctx.violate(2, f"a reader failed to open the served generation: {e}")


def all_hits(ctx):
    p = ctx.fx("query", "*", "--json", "--limit", "100000000")
    if p.returncode != 0:
        raise Violation(f"query failed: {p.stderr[-400:]}")
    return {h["id"]: h for h in json.loads(p.stdout)["hits"]}


def check_groups(ctx, hits, expected):
    """Invariant 6: each visible group is whole: its docs agree with their own
    group count, and are exactly the group's docs in the oracle."""
    members = {}
    for h in hits.values():
        members.setdefault(h["group"], []).append(h)
    broken = [g for g, docs in members.items()
              if any(d["fields"].get("item_count") != float(len(docs)) for d in docs)]
    if broken:
        g = broken[0]
        ctx.violate(6, f"{len(broken)} groups partly visible, e.g. {g}: "
                       f"{len(members[g])} docs visible, item_count says "
                       f"{members[g][0]['fields'].get('item_count')}")
    want = {}
    for aid, d in expected.items():
        want.setdefault(d["group"], set()).add(aid)
    partial = [g for g, docs in members.items()
               if g in want and {d["id"] for d in docs} < want[g]]
    if partial:
        g = partial[0]
        ctx.violate(6, f"{len(partial)} groups show only some of their docs, e.g. {g}: "
                       f"{len(members[g])} of {len(want[g])}")


def final_checks(ctx, data_dir=None):
    """Invariants 1, 3, 4, 5, 6, 8 on the end state of a scenario."""
    st = ctx.status()
    if st["current"] != st["manifest_key"]:
        ctx.violate(3, f"CURRENT {st['current']} is not the committed {st['manifest_key']}")
    wm = parse_ts(st["watermark"]) if st["watermark"] else None
    if wm != ctx.expected_target:
        ctx.violate(4, f"watermark {st['watermark']} after catch-up, expected "
                       f"{ts(ctx.expected_target)}")
    batches = sorted((b for b in st["batches"] if b["kind"] != "admin"),
                     key=lambda b: b["batch_id"])
    versions = [b["manifest_version"] for b in batches]
    if versions != list(range(versions[0], versions[0] + len(versions))):
        ctx.violate(3, f"committed versions are not consecutive: {versions}")
    epochs = [b["epoch"] for b in batches]
    if epochs != sorted(epochs):
        ctx.violate(5, f"a batch of an older epoch committed after a newer one: {epochs}")
    targets = [parse_ts(b["target_partition"]) for b in batches
               if b["kind"] == "delta" and b.get("target_partition")]
    if targets != sorted(targets):
        ctx.violate(1, f"batch targets went backwards: {[ts(t) for t in targets]}")
    committed = {b["manifest_key"] for b in st["batches"]}
    ctx.watcher.halt.set()
    ctx.watcher.join()
    seen = ctx.watcher.seen
    versions = [manifest_version(k) for k in seen]
    if versions != sorted(versions):
        ctx.violate(3, f"CURRENT went backwards: {seen}")
    for key in seen:
        if key not in committed:
            ctx.violate(3, f"CURRENT showed {key}, which no committed batch names")
            break
    problems = ctx.watcher.problems
    if ctx.config.get("retention") == "0s" and seen:
        # Collected between the watcher reading CURRENT and looking for the
        # manifest, after CURRENT had moved on: the race retention prevents.
        problems = [p for p in problems if p.endswith(seen[-1])]
    for problem in problems[:1]:
        ctx.violate(2, problem)
    try:
        hits = all_hits(ctx)
    except Violation as e:
        ctx.violate(2, str(e))
        return
    expected = expected_index(data_dir or ctx.ws.path / "data", CUT_S, wm or 0)
    problems = diff_docs(expected, hits)
    if problems:
        ctx.violate(4, "final index differs from the oracle: " + "; ".join(problems[:4]))
    ctx.docs_lost += len(set(expected) - set(hits))
    check_groups(ctx, hits, expected)
    scan_secrets(ctx)


def scan_secrets(ctx):
    leaks = [o for o in ctx.outputs if any(s in o for s in ctx.secrets)]
    for f in (ctx.ws.path / "index").rglob("*"):
        if f.is_file() and any(s.encode() in f.read_bytes() for s in ctx.secrets):
            leaks.append(str(f))
    if leaks:
        first = leaks[0]
        at = max([first.find(s) for s in ctx.secrets] + [0])
        ctx.violate(8, f"the secret appeared in {len(leaks)} outputs, e.g. "
                       f"{first[max(0, at - 60):at + 40]!r}")


# --- scenarios ---------------------------------------------------------------

def s_crash_point(ctx):
    """Named crash points (SIGKILL inside a batch), then restarts: inv 1-4."""
    policy = ctx.rng.choice(["sequential", "latest", "bounded"])
    ctx.setup(ctx.rng.choice(["plain", "messy"]), policy=policy, retention="0s")
    reader = Reader(ctx)
    reader.start()
    for _ in range(ctx.rng.randint(1, 4)):
        point = ctx.rng.choice(ctx.options.get("points", CRASH_POINTS))
        nth = ctx.rng.randint(1, 2) if policy == "sequential" else 1
        p = ctx.fx("run", "--max-batches", "3", "--no-wait", "--holder", "fault-runner",
                   env={"FRESHET_TEST_CRASH_POINT": f"{point}:{nth}"})
        if p.returncode == -signal.SIGKILL:
            ctx.faults += 1
        elif p.returncode not in (0,):
            ctx.violate(4, f"run after a crash exited {p.returncode}: {p.stderr[-400:]}")
        ctx.sample_watermark()
    ctx.converge()
    reader.check()
    loop_clock_moved(ctx)
    final_checks(ctx)
    check_collected(ctx)


def check_collected(ctx):
    """After a collection, no supersession object names a segment that is
    gone: what a crash around publish left, collection takes (inv 4)."""
    ctx.fx("gc")
    index = ctx.ws.path / "index"
    for f in (index / "supersessions").glob("r*/*.sup"):
        upper, _, lower = f.stem.partition("-")
        missing = [h for h in (upper, lower) if not (index / "segments" / f"{h}.seg").exists()]
        if missing:
            ctx.violate(4, f"collection left supersessions/{f.parent.name}/{f.name}, whose segment "
                           f"{missing[0]}.seg is gone")
            return


def s_compaction(ctx):
    """A compaction killed at one of its named points while readers read, then
    a clean one (or none left to do), then catch-up over the new base: inv 2-4;
    a compaction changes none of the served docs."""
    ctx.setup(ctx.rng.choice(["plain", "messy"]), policy=ctx.rng.choice(["sequential", "latest"]),
              retention="0s")
    reader = Reader(ctx)
    reader.start()
    # A delta to fold, short of the last partitions so that catch-up goes on
    # over the compacted base.
    clock = fixed(CUT_S + ctx.rng.randint(1, PARTITIONS - 1) * PERIOD_S + 60)
    for _ in range(ctx.rng.randint(1, 2)):
        ctx.run_once(clock=clock)
    served = all_hits(ctx)
    points = [p for p in ctx.options.get("points", COMPACTION_POINTS) if p in COMPACTION_POINTS]
    point = ctx.rng.choice(points or COMPACTION_POINTS)
    p = ctx.fx("compact", "--holder", "fault-runner", env={"FRESHET_TEST_CRASH_POINT": point})
    if p.returncode == -signal.SIGKILL:
        ctx.faults += 1
    else:
        ctx.violate(4, f"compact never reached {point}: exit {p.returncode}: {p.stderr[-300:]}")
    p = ctx.fx("compact", "--holder", "fault-runner")
    if p.returncode != 0:
        ctx.violate(4, f"compact after a crash at {point} exited {p.returncode}: "
                       f"{p.stderr[-300:]}")
    compacted = all_hits(ctx)
    if compacted != served:
        changed = sorted(set(compacted) ^ set(served)) or \
            sorted(k for k in served if compacted[k] != served[k])
        ctx.violate(4, f"compaction changed the served docs, e.g. {changed[:3]}")
    ctx.converge()
    reader.check()
    final_checks(ctx)


def loop_clock_moved(ctx):
    """The batch loop's fixed clock moves on by its waits: later (empty)
    partitions may have become ready and been published."""
    ctx.expected_target = max([ctx.expected_target] + ctx.watermarks)


def s_kill9_random(ctx):
    """kill -9 at random instants of the batch loop: inv 1-4."""
    ctx.setup(ctx.rng.choice(["plain", "messy"]),
              policy=ctx.rng.choice(["sequential", "latest"]), retention="0s")
    reader = Reader(ctx)
    reader.start()
    for _ in range(ctx.rng.randint(2, 5)):
        proc = ctx.popen("run", "--max-batches", "2", "--no-wait", "--holder", "fault-runner")
        time.sleep(ctx.rng.uniform(0.0, 0.35))
        if proc.poll() is None:
            proc.kill()
            ctx.faults += 1
        code, err = ctx.collect(proc)
        if code not in (0, -signal.SIGKILL):
            ctx.violate(4, f"run exited {code}: {err[-400:]}")
        ctx.sample_watermark()
    ctx.converge()
    reader.check()
    loop_clock_moved(ctx)
    final_checks(ctx)


def s_clock_jumps(ctx):
    """The clock jumps backwards and forwards between batches: inv 1, 3, 4."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest", "bounded"]))
    end = CUT_S + PARTITIONS * PERIOD_S + 60
    times = [end, CUT_S + 2 * PERIOD_S + 60, CUT_S - 3600, CUT_S + 30 * 86400,
             CUT_S + PERIOD_S + 61, end + 86400, CUT_S]
    ctx.rng.shuffle(times)
    for t in times[:ctx.rng.randint(3, len(times))]:
        p = ctx.run_once(clock=fixed(t))
        ctx.faults += 1
        if p.returncode != 0:
            ctx.violate(1, f"batch at clock {ts(t)} failed: {p.stderr[-300:]}")
    # Readiness by delay: the newest ready partition at the latest clock seen
    # (jumps ahead publish empty partitions; the watermark holds afterwards).
    latest_clock = max([end] + [w + PERIOD_S for w in ctx.watermarks])
    ctx.converge(clock=fixed(latest_clock))
    ctx.expected_target = max([ctx.expected_target] + ctx.watermarks)
    final_checks(ctx)


def s_disk_full(ctx):
    """The output (and maybe the metastore) on a small tmpfs that fills up: inv 2, 4."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]))
    ws = ctx.ws
    vol = ws.path / "vol"
    vol.mkdir()
    used = sum(f.stat().st_size for f in (ws.path / "index").rglob("*") if f.is_file())
    size_kb = (used + ctx.rng.randint(0, 3 << 20)) // 1024 + 64
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(vol)],
                      capture_output=True).returncode != 0:
        return "skipped: cannot mount a tmpfs here"
    ctx.mounts.append(vol)
    meta_on_vol = ctx.rng.random() < 0.5
    shutil.copytree(ws.path / "index", vol / "index")
    text = ws.config.read_text().replace('output = "index"', 'output = "vol/index"')
    if meta_on_vol:
        shutil.copy(ws.path / "meta.db", vol / "meta.db")
        text = text.replace('sqlite:meta.db', 'sqlite:vol/meta.db')
    ws.config.write_text(text)
    ctx.watcher.halt.set()
    ctx.watcher.join()
    shutil.rmtree(ws.path / "index")
    (ws.path / "index").symlink_to("vol/index")
    ctx.watcher = CurrentWatcher(ctx.ws, interval=0.005)
    ctx.watcher.start()
    reader = Reader(ctx)
    reader.start()
    full = 0
    for _ in range(3):
        p = ctx.run_once()
        if p.returncode != 0:
            if "No space left" not in p.stderr and "full" not in p.stderr:
                ctx.violate(4, f"failed batch does not say the disk is full: {p.stderr[-300:]}")
            full += 1
    ctx.faults += full
    subprocess.run(["mount", "-o", "remount,size=512m", str(vol)], check=True)
    leftovers = [str(f) for f in vol.rglob("*.freshet-tmp.*")]
    if leftovers:
        ctx.violate(4, f"temporary files left after a full disk: {leftovers[:3]}")
    ctx.converge()
    reader.check()
    final_checks(ctx)


def s_permission_denied(ctx):
    """Output folders not writable (as an unprivileged user): inv 2, 4."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        return "skipped: needs root and setpriv to run as nobody"
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]))
    ws = ctx.ws
    p = ws.path
    while p != p.parent:
        p.chmod(p.stat().st_mode | 0o055) if p.stat().st_uid == 0 else None
        p = p.parent
    subprocess.run(["chown", "-R", "65534:65534", str(ws.path)], check=True)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    target = ctx.rng.choice(["index/segments", "index/manifests", "index", "data/ads"])
    path = ws.path / target
    mode = path.stat().st_mode
    path.chmod(0o555 if target != "data/ads" else 0o000)
    ctx.faults += 1
    p = ctx.fx("run", "--once", "--holder", "fault-runner", prefix=nobody)
    if p.returncode == 0 and target != "index":
        ctx.violate(4, f"a batch succeeded with {target} not writable/readable")
    elif p.returncode != 0 and "ermission denied" not in p.stderr:
        ctx.violate(4, f"the error does not name the permission problem: {p.stderr[-300:]}")
    q = ctx.fx("query", "*", "--limit", "1", prefix=nobody)
    if q.returncode != 0:
        ctx.violate(2, f"readers broke after a failed write: {q.stderr[-300:]}")
    path.chmod(mode)
    ctx.converge()
    final_checks(ctx)


def flip_or_truncate(rng, f):
    """Damages `f`: segments and manifests both carry checksums."""
    data = bytearray(f.read_bytes())
    how = rng.choice(["flip", "flip", "truncate", "empty", "delete"])
    if how == "flip":
        i = rng.randrange(16, len(data) - 32)  # past the magic, before the trailer
        data[i] ^= 1 << rng.randrange(8)
        f.write_bytes(bytes(data))
    elif how == "truncate":
        f.write_bytes(bytes(data[:rng.randrange(1, len(data))]))
    elif how == "empty":
        f.write_bytes(b"")
    else:
        f.unlink()
    return how


def s_corrupt_segment(ctx):
    """A published segment or manifest damaged on disk: readers report it: inv 2."""
    ctx.setup()
    ctx.converge()
    st = ctx.status()
    manifest = json.loads((ctx.ws.path / "index" / st["manifest_key"]).read_text())
    refs = manifest["base"] + manifest.get("delta", [])
    target = ctx.rng.choice(refs + [None])
    f = ctx.ws.path / "index" / (target["key"] if target else st["manifest_key"])
    original = f.read_bytes()
    how = flip_or_truncate(ctx.rng, f)
    ctx.faults += 1
    p = ctx.fx("query", "*", "--json", "--limit", "100000000")
    # A damaged manifest may show as a segment that does not match it.
    names = [f.name] + ([r["key"] for r in refs] if target is None else [])
    named = any(n in p.stderr for n in names)
    if p.returncode == 0 or not named or p.returncode < 0:
        ctx.violate(2, f"{how} of {f.name}: query exited {p.returncode}, "
                       f"error {'names' if named else 'does not name'} the file: "
                       f"{p.stderr.strip()[-200:]}")
    f.write_bytes(original)
    final_checks(ctx)


def s_lease_expired(ctx):
    """A batch that outlasts its lease (a fast simulated clock: the lease runs
    out within milliseconds) commits, then collection runs at once: readers
    keep serving, CURRENT names the committed manifest, and what it names is
    never collected: inv 2, 3 (DESIGN 9)."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]),
              retention=ctx.rng.choice(["0s", "1s", "1h"]),
              lease_ttl=ctx.rng.choice(["1s", "2m"]))
    reader = Reader(ctx)
    reader.start()
    if ctx.rng.random() < 0.7:  # something published before, as in the issue
        ctx.run_once(clock=fixed(CUT_S + ctx.rng.randint(1, PARTITIONS - 1) * PERIOD_S + 60))
    start = CUT_S + PARTITIONS * PERIOD_S + 60 + ctx.rng.randint(1, 3) * 3600
    p = ctx.run_once(clock=f"sim:{ts(start)}:60000")
    if "lease_expired_in_batch" in p.stderr or "current_not_moved" in p.stderr:
        ctx.faults += 1
    if p.returncode != 0:
        ctx.violate(3, f"the batch that outlasted its lease exited {p.returncode}: "
                       f"{p.stderr[-300:]}")
    st = ctx.status()
    if st["current"] != st["manifest_key"]:
        ctx.violate(3, f"after a batch that outlasted its lease, CURRENT names "
                       f"{st['current']}, not the committed {st['manifest_key']}")
    q = ctx.fx("query", "*", "--json", "--limit", "1")
    if q.returncode != 0:
        ctx.violate(2, f"a reader fails after a batch that outlasted its lease: "
                       f"{q.stderr.strip()[-300:]}")
    # Collection much later still keeps what CURRENT names.
    ctx.fx("gc", clock=fixed(start + 86400))
    q = ctx.fx("query", "*", "--json", "--limit", "1")
    if q.returncode != 0:
        ctx.violate(2, f"collection deleted what CURRENT names: {q.stderr.strip()[-300:]}")
    ctx.converge()
    reader.check()
    # `latest` at the later clock passed over the empty partitions since.
    ctx.expected_target = max([ctx.expected_target] + ctx.watermarks)
    final_checks(ctx)


def partition_dir(ws, i, stream="ads"):
    d = dt.datetime.fromtimestamp(CUT_S + i * PERIOD_S, dt.timezone.utc)
    return ws.path / "data" / stream / f"dt={d:%Y-%m-%d}" / f"hour={d:%H}" / f"minute={d:%M}"


def s_producer_rewrites(ctx):
    """Producers rewrite files in place, delete partitions or add late files after
    they were read: the next batch publishes the data as it now is: inv 4."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]))
    ctx.converge()
    for _ in range(ctx.rng.randint(1, 3)):
        i = ctx.rng.randrange(PARTITIONS)
        stream = ctx.rng.choice(["ads", "ads", "items"])
        folder = partition_dir(ctx.ws, i, stream)
        files = sorted(folder.glob("*.jsonl"))
        how = ctx.rng.choice(["rewrite", "delete_partition", "late_file", "delete_file"])
        if how == "rewrite" and files:
            f = files[0]
            lines = f.read_bytes().split(b"\n")
            for k in ctx.rng.sample(range(len(lines) - 1), min(20, len(lines) - 1)):
                obj = json.loads(lines[k])
                obj["title"] = f"rewritten zebra {k}"
                obj["updated_at"] = obj["updated_at"] + 1
                lines[k] = json.dumps(obj).encode()
            f.write_bytes(b"\n".join(lines))  # in place: same inode
        elif how == "delete_partition":
            shutil.rmtree(folder, ignore_errors=True)
        elif how == "delete_file" and files:
            files[0].unlink()
        else:
            folder.mkdir(parents=True, exist_ok=True)
            src = partition_dir(ctx.ws, ctx.rng.randrange(PARTITIONS), stream)
            donors = sorted(src.glob("*.jsonl"))
            if donors:
                (folder / f"part-late-{ctx.rng.randrange(99)}.jsonl").write_bytes(
                    donors[0].read_bytes()[:20000].rsplit(b"\n", 1)[0] + b"\n")
        ctx.faults += 1
        ctx.converge()
    final_checks(ctx)


def s_delta_commit_in_batch(ctx):
    """Commits land in the Delta tables while a batch is between reading the
    log and committing (new partitions, an OPTIMIZE rewriting files, a delete
    rewriting or removing some): the batch publishes the version it read and
    records it; the next batches catch up with the newer versions: inv 4."""
    if delta_tables is None:
        return "the deltalake package is missing (pip install -r requirements-test.txt)"
    from deltalake import DeltaTable
    ctx.setup("delta")
    policy = ctx.rng.choice(["sequential", "latest"])
    delta_tables.write_delta_config(ctx.ws, policy=policy)
    point = ctx.rng.choice(["after_listing", "mid_read", "after_read", "after_segments",
                            "before_commit"])
    read = delta_tables.last_version(ctx.ws, "ads")
    proc = ctx.popen("run", "--once", "--holder", "fault-runner",
                     env={"FRESHET_TEST_PAUSE_POINT": f"{point}:2"})
    time.sleep(0.5)
    appended = False
    for _ in range(ctx.rng.randint(1, 3)):
        how = ctx.rng.choice(["append", "optimize", "delete"])
        if how == "append" and not appended:
            delta_tables.append_partitions(ctx.ws, PARTITIONS - 2, 2)
            appended = True
        elif how == "optimize":
            for stream in delta_tables.STREAMS:
                DeltaTable(delta_tables.table_path(ctx.ws, stream)).optimize.compact()
        else:
            stream = ctx.rng.choice(delta_tables.STREAMS)
            key = "ad_id" if stream == "ads" else "item_id"
            ids = DeltaTable(delta_tables.table_path(ctx.ws, stream)).to_pyarrow_table(
                columns=[key]).column(key).to_pylist()
            doomed = ctx.rng.sample(ids, min(5, len(ids)))
            quoted = ", ".join("'" + str(i).replace("'", "''") + "'" for i in doomed)
            DeltaTable(delta_tables.table_path(ctx.ws, stream)).delete(f"{key} in ({quoted})")
        ctx.faults += 1
    code, err = ctx.collect(proc)
    if code != 0:
        ctx.violate(4, f"the batch during commits failed: {err[-400:]}")
    st = ctx.status()
    if code == 0 and st["source_version"] != read:
        ctx.violate(4, f"the batch read version {read} but recorded {st['source_version']}")
    ctx.sample_watermark()
    if not appended:  # the producer goes on: the last partitions land after the batch
        delta_tables.append_partitions(ctx.ws, PARTITIONS - 2, 2)
    ctx.converge()
    st = ctx.status()
    for stream, field in (("ads", "source_version"), ("items", "group_source_version")):
        if st[field] != delta_tables.last_version(ctx.ws, stream):
            ctx.violate(4, f"after catch-up, {field} is {st[field]}, the {stream} table is at "
                           f"version {delta_tables.last_version(ctx.ws, stream)}")
    final_checks(ctx, data_dir=delta_tables.oracle_data(ctx.ws))


def s_bad_paths(ctx):
    """Paths that do not parse or try to escape the prefix: listed, never read: inv 7."""
    ctx.setup()
    ads = ctx.ws.path / "data" / "ads"
    good = json.dumps({"ad_id": "ad-escaped", "item_id": "item-000001", "updated_at": 1,
                       "title": "escaped"}) + "\n"
    candidates = ["dt=garbage/hour=10/minute=05", "dt=2026-05-04/hour=10/minute=07",
                  "dt=2026-05-04/hour=%2e%2e/minute=05", "dt=2026-05-04/hour=10/minute=..%2f..",
                  "dt=2026-05-04/hour=10%2F..%2F..", "dt=2026-13-45/hour=99/minute=99",
                  "dt=2026-05-04/hour=10", "dt=2026-05-04/hour=10/minute=05/extra=1",
                  "dt=2026-05-04/hour=10/minute=-5", "dt=2026-05-04/hour=10/minute=05 "]
    picked = ctx.rng.sample(candidates, ctx.rng.randint(2, len(candidates)))
    for c in picked:
        d = ads / c
        d.mkdir(parents=True, exist_ok=True)
        (d / "part-0.jsonl").write_text(good)
        ctx.faults += 1
    p = ctx.run_once()
    if p.returncode != 0:
        ctx.violate(7, f"unparseable paths failed the batch: {p.stderr[-300:]}")
    batch = ctx.status()["batches"][0]
    rejected = [q for q in batch["quarantine"] if "part-0.jsonl" in q or "dt=" in q]
    if not rejected:
        ctx.violate(7, f"no rejected path listed in the batch log for {picked}")
    ctx.converge()
    # The oracle reads only well-formed partition folders, as the engine must.
    final_checks(ctx)


BAD_LINES = {
    "invalid_utf8": b'{"ad_id": "ad-\xff\xfe", "item_id": "item-000001", "updated_at": 9}',
    "truncated_json": b'{"ad_id": "ad-t", "item_id": "item-000001", "upda',
    "deep_nesting": b'{"ad_id": "ad-n", "item_id": "item-000001", "updated_at": 9, "title": '
                    + b"[" * 100000 + b"]" * 100000 + b"}",
    "nested_column": b'{"ad_id": "ad-o", "item_id": {"a": {"b": 1}}, "updated_at": 9}',
    "huge_record": b'{"ad_id": "ad-h", "item_id": "item-000001", "updated_at": 9, "title": "'
                   + b"y" * (9 << 20) + b'"}',
    "missing_id": b'{"item_id": "item-000001", "updated_at": 9, "title": "no id"}',
    "version_type_changed": b'{"ad_id": "ad-v", "item_id": "item-000001", "updated_at": "soon"}',
    "not_an_object": b'[1, 2, 3]',
    "bool_id": b'{"ad_id": true, "item_id": "item-000001", "updated_at": 9}',
    "nan": b'{"ad_id": "ad-nan", "item_id": "item-000001", "updated_at": NaN}',
}
ODD_BUT_GOOD = {
    "missing_column": b'{"ad_id": "ad-m", "item_id": "item-000001", "updated_at": 9}',
    "oversized_field": b'{"ad_id": "ad-f", "item_id": "item-000002", "updated_at": 9, '
                       b'"description": "' + b"w " * (1 << 20) + b'"}',
    "unicode": '{"ad_id": "ad-\u00e9\u4e2d", "item_id": "item-000003", "updated_at": 9, '
               '"title": "caf\u00e9 \U0001f600 na\u00efve"}'.encode(),
    "extra_columns": b'{"ad_id": "ad-x", "item_id": "item-000001", "updated_at": 9, "new": [1]}',
    # A changed type in a numeric or keyword column is stored as is and left
    # out of aggregates (the oracle says the same).
    "numeric_type_changed": b'{"ad_id": "ad-b", "item_id": "item-000004", "updated_at": 9, '
                            b'"bid": "cheap"}',
    "keyword_type_changed": b'{"ad_id": "ad-k", "item_id": "item-000005", "updated_at": 9, '
                            b'"status": 5, "keywords": 7}',
}


def s_bad_records(ctx):
    """Bad records and files of every kind: never a crash, each counted and listed
    (skip) or the batch stops naming file and line (stop): inv 7."""
    policy = ctx.rng.choice(["skip", "skip", "stop"])
    ctx.setup(bad_records=policy, policy="latest")
    names = ctx.rng.sample(sorted(BAD_LINES), ctx.rng.randint(1, 5))
    odd = ctx.rng.sample(sorted(ODD_BUT_GOOD), ctx.rng.randint(0, 3))
    lines = [BAD_LINES[n] for n in names] + [ODD_BUT_GOOD[n] for n in odd]
    ctx.rng.shuffle(lines)
    i = ctx.rng.randrange(PARTITIONS)
    bad_file = partition_dir(ctx.ws, i) / "part-bad.jsonl"
    bad_file.write_bytes(b"\n".join(lines) + b"\n")
    ctx.faults += len(names)
    p = ctx.run_once()
    if policy == "stop":
        if p.returncode != 1 or "part-bad.jsonl:" not in p.stderr:
            ctx.violate(7, f"stop policy: exit {p.returncode}, error must name the file and "
                           f"line: {p.stderr[-300:]}")
        st = ctx.status()
        if st["watermark"] is not None:
            ctx.violate(7, "a stopped batch moved the watermark")
        bad_file.unlink()
        ctx.converge()
        final_checks(ctx)
        return
    batch = ctx.status()["batches"][0]
    listed = [q for q in batch["quarantine"] if "part-bad.jsonl" in q]
    if batch["bad_records"] != len(names) or len(listed) != len(names):
        ctx.violate(7, f"{len(names)} bad records ({names}) injected, batch log counts "
                       f"{batch['bad_records']} and lists {len(listed)}")
    ctx.converge()
    final_checks(ctx)


def s_fencing(ctx):
    """An old holder paused inside its batch while another runner takes the lease
    (its lease expired) must not commit: inv 5."""
    ctx.setup(policy="sequential")
    point = ctx.rng.choice(["after_read", "after_segments", "after_manifest", "before_commit"])
    a = ctx.popen("run", "--once", "--holder", "runner-a",
                  env={"FRESHET_TEST_PAUSE_POINT": f"{point}:3"})
    time.sleep(1.2)
    # B's clock is an hour later: A's lease has expired; B takes it and pauses
    # before committing anything, so that only the fence stops A.
    later = fixed(CUT_S + PARTITIONS * PERIOD_S + 3600)
    b = ctx.popen("run", "--once", "--holder", "runner-b", clock=later,
                  env={"FRESHET_TEST_PAUSE_POINT": "after_listing:6"})
    ctx.faults += 1
    code_a, err_a = ctx.collect(a)
    b.kill()
    ctx.collect(b)
    st = ctx.status()
    took_over = st["epoch"] > 2
    committed_a = [x for x in st["batches"] if x["kind"] == "delta"]
    if took_over and (code_a == 0 or committed_a):
        ctx.violate(5, f"runner-a (epoch superseded) exited {code_a} and committed "
                       f"{len(committed_a)} batches after runner-b took the lease")
    elif took_over and code_a != 4:
        ctx.violate(5, f"the fenced runner exited {code_a}, not 4: {err_a[-300:]}")
    # Past runner-b's lease; `latest` passes over the empty partitions since.
    ctx.ws.write_config(policy="latest")
    after = CUT_S + PARTITIONS * PERIOD_S + 3600 + 600
    ctx.converge(clock=fixed(after))
    ctx.expected_target = newest_ready(after)
    final_checks(ctx)


def s_secrets(ctx):
    """Secrets in the metastore URL and the S3 environment meet failures: inv 8."""
    ctx.setup()
    how = ctx.rng.choice(["pg_url", "pg_url_query", "s3_url", "s3_env"])
    text = ctx.ws.config.read_text()
    if how == "pg_url":
        text = text.replace("sqlite:meta.db", f"postgres://freshet:{SECRET}@127.0.0.1:1/db")
    elif how == "pg_url_query":
        text = text.replace("sqlite:meta.db",
                            f"postgresql://127.0.0.1:1/db?user=x&password={SECRET}")
    elif how == "s3_url":
        text = text.replace('output = "index"',
                            f'output = "s3://b/p?endpoint=http://127.0.0.1:1&secret_access_key={SECRET}"')
    else:
        text = text.replace('output = "index"',
                            'output = "s3://b/p?endpoint=http://127.0.0.1:1&max_attempts=1&timeout=2s"')
    saved = ctx.ws.config.read_text()
    ctx.ws.config.write_text(text)
    ctx.faults += 1
    for args in (("run", "--once", "--log-format", "json"), ("run", "--once", "-v"),
                 ("status", "--json"), ("build-full",)):
        p = ctx.fx(*args)
        if p.returncode == 0 and args[0] == "run":
            ctx.violate(8, f"{how}: a run against an unreachable store succeeded")
    if how != "s3_url":  # a rejected URL stops the runner before it listens
        scrape_runner_metrics(ctx)
    ctx.ws.config.write_text(saved)
    ctx.converge()
    final_checks(ctx)


def scrape_runner_metrics(ctx, seconds=1.5):
    """Runs the batch loop with --metrics-addr while its batches fail, and keeps
    what /metrics and /healthz answer among the outputs scanned for secrets."""
    import urllib.error
    import urllib.request
    proc = ctx.popen("run", "--metrics-addr", "127.0.0.1:0", "--log-format", "json",
                     "--holder", "fault-runner")
    lines = []
    address = None
    deadline = time.time() + 20
    try:
        while address is None and time.time() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if '"metrics_listening"' in line:
                address = json.loads(line)["address"]
        if address is None:
            ctx.violate(8, f"the runner never served its metrics: {''.join(lines)[-300:]}")
            return
        time.sleep(seconds)
        for path in ("/metrics", "/healthz"):
            try:
                with urllib.request.urlopen(f"http://{address}{path}", timeout=10) as r:
                    ctx.outputs.append(r.read().decode(errors="replace"))
            except urllib.error.HTTPError as e:  # /healthz: 503 once batches fail
                ctx.outputs.append(e.read().decode(errors="replace"))
            except urllib.error.URLError:
                if proc.poll() is None:
                    raise
                break  # the runner gave up (e.g. the store is unreachable): nothing to read
    finally:
        proc.kill()
        ctx.collect(proc)
        ctx.outputs.append("".join(lines))


def s_metastore_lost(ctx):
    """The metastore is lost (or a second pipeline points at the same output):
    a fresh start must not overwrite a published manifest, which readers may
    hold: create-if-absent. Inv 3 (what is visible stays what was committed)."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]))
    ctx.converge()
    index = ctx.ws.path / "index"
    published = {f: f.read_bytes() for f in (index / "manifests").iterdir()}
    meta = ctx.ws.path / "meta.db"
    saved = meta.read_bytes()
    meta.unlink()
    ctx.faults += 1
    later = fixed(CUT_S + PARTITIONS * PERIOD_S + 3600)  # other bytes than before
    p = ctx.fx("build-full", clock=later)
    if p.returncode == 0:
        ctx.fx("run", "--once", "--holder", "fault-runner", clock=later)
    changed = [f.name for f, data in published.items() if f.read_bytes() != data]
    if changed:
        ctx.violate(3, f"a fresh metastore overwrote published manifests {changed[:3]}")
    elif p.returncode == 0:
        ctx.violate(3, "build-full over an output with published manifests succeeded")
    meta.write_bytes(saved)
    for f in ("meta.db-wal", "meta.db-shm", "meta.db-journal"):
        (ctx.ws.path / f).unlink(missing_ok=True)
    for f, data in published.items():
        f.write_bytes(data)
    (index / "CURRENT").write_text(ctx.status()["manifest_key"] + "\n")
    ctx.watcher.seen.clear()  # CURRENT put back by hand above
    ctx.converge()
    final_checks(ctx)


TYPOS = [("columns.doc_id", 'doc_id = "ad_id"', 'doc_id = "adid"'),
         ("group.key", '\nkey = "item_id"', '\nkey = "itemid"')]


def s_collapse(ctx):
    """A misspelt id column in the config or a renamed one in every input file
    (every record bad), or a producer deleting most docs: the base or delta
    that would collapse the index is refused with its counts and exit 6, and
    nothing is published; then the operator fixes the input, or publishes the
    deletions on purpose with --allow-shrink: inv 9."""
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]))
    how = ctx.rng.choice(["typo_base", "renamed_column", "mass_delete"])
    before = ctx.status()
    good_config = ctx.ws.config.read_text()
    delete_file = None
    renamed = {}
    if how == "renamed_column":
        for f in (ctx.ws.path / "data" / "ads").rglob("*.jsonl"):
            renamed[f] = f.read_bytes()
            f.write_bytes(renamed[f].replace(b'"ad_id":', b'"adId":'))
        what = f"a delta whose {len(renamed)} files all renamed ad_id"
    elif how == "mass_delete":
        ads = [json.loads(line) for f in sorted((ctx.ws.path / "data" / "snapshot" / "ads")
                                                 .glob("*.jsonl"))
               for line in f.read_text().splitlines()]
        doomed = ctx.rng.sample(ads, int(len(ads) * ctx.rng.uniform(0.6, 0.95)))
        # In the first partition, which every window holds (sequential too).
        delete_file = partition_dir(ctx.ws, 0) / "part-purge.jsonl"
        delete_file.write_text("".join(
            json.dumps({"ad_id": a["ad_id"], "item_id": a["item_id"], "op": "delete",
                        "updated_at": 4102444800000}) + "\n" for a in doomed))
        what = f"a delta deleting {len(doomed)} of {len(ads)} docs"
    else:
        key, good, bad = ctx.rng.choice(TYPOS)
        ctx.ws.config.write_text(good_config.replace(good, bad, 1))
        what = f"a base with {key} misspelt"
    ctx.faults += 1
    p = ctx.fx("build-full") if how == "typo_base" else ctx.run_once()
    after = ctx.status()
    if p.returncode != 6:
        ctx.violate(9, f"{what}: exited {p.returncode}, not 6: {p.stderr[-300:]}")
    elif "refused" not in p.stderr or "live docs before" not in p.stderr:
        ctx.violate(9, f"{what}: the refusal does not give the counts: {p.stderr[-300:]}")
    for field in ("manifest_key", "current", "watermark"):
        if after[field] != before[field]:
            ctx.violate(9, f"{what}: {field} moved from {before[field]} to {after[field]}, "
                           f"where nothing may be published")
    if delete_file is not None and ctx.rng.random() < 0.5:
        p = ctx.fx("run", "--once", "--holder", "fault-runner", "--allow-shrink")
        ctx.sample_watermark()
        if p.returncode != 0 or "collapse_allowed" not in p.stderr:
            ctx.violate(9, f"{what} with --allow-shrink: exited {p.returncode}, "
                           f"logged: {p.stderr[-300:]}")
    elif delete_file is not None:
        delete_file.unlink()
    for f, data in renamed.items():
        f.write_bytes(data)
    ctx.ws.config.write_text(good_config)
    ctx.converge()
    final_checks(ctx)


_postgres_lock = threading.Lock()  # one scenario at a time stops the shared server


def s_postgres_outage(ctx):
    """PostgreSQL metastore stopped, restarted or its connections cut in the
    middle of a batch (scripts/with-postgres.sh): inv 1, 3, 4."""
    url = os.environ.get("FRESHET_TEST_POSTGRES_URL")
    ctl = os.environ.get("FRESHET_TEST_POSTGRES_CTL")
    if not (url and ctl):
        return "skipped: no PostgreSQL (run under scripts/with-postgres.sh)"
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]), metastore=url,
              name=f"faults_{ctx.seed}_{os.getpid()}", fresh_output=True)
    from urllib.parse import urlsplit
    if urlsplit(url).password:
        ctx.secrets.append(urlsplit(url).password)
    p = ctx.fx("build-full")
    if p.returncode != 0:
        raise Violation(f"build-full on PostgreSQL failed: {p.stderr[-300:]}")
    fault = ctx.rng.choice(["restart", "stop", "terminate"])
    point = ctx.rng.choice(["after_listing", "after_read", "after_manifest", "before_commit"])
    with _postgres_lock:
        proc = ctx.popen("run", "--once", "--holder", "fault-runner",
                         env={"FRESHET_TEST_PAUSE_POINT": f"{point}:2"})
        time.sleep(1.0)
        try:
            if fault == "terminate":
                subprocess.run([ctl, "psql", "-At", "-c",
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                "WHERE application_name = 'freshet'"], check=True,
                               capture_output=True, timeout=60)
            else:
                subprocess.run([ctl, "stop", ctx.rng.choice(["fast", "immediate"])], check=True,
                               capture_output=True, timeout=120)
                if fault == "restart":
                    subprocess.run([ctl, "start"], check=True, capture_output=True, timeout=120)
            ctx.faults += 1
            code, err = ctx.collect(proc)
        finally:
            subprocess.run([ctl, "start"], capture_output=True, timeout=120)
    if code not in (0, 1) or (code == 1 and "Unavailable" not in err):
        ctx.violate(4, f"run through a database {fault} exited {code}: {err[-300:]}")
    ctx.converge()
    final_checks(ctx)


def s_s3_faults(ctx):
    """Output in an S3 bucket behind a proxy that injects 5xx, stalls, dropped
    connections, lost replies, truncated and reset bodies (scripts/with-minio.sh),
    plus crash points: inv 2, 3, 4."""
    if not (S3_BUCKET and S3_ENDPOINT):
        return "skipped: no S3 server (run under scripts/with-minio.sh)"
    from s3_proxy import FAULTS, S3FaultProxy
    ctx.setup(policy=ctx.rng.choice(["sequential", "latest"]), metastore="sqlite:meta-s3.db",
              fresh_output=True)
    # The server's own key is the secret here.
    ctx.env.pop("AWS_SECRET_ACCESS_KEY")
    ctx.secrets.append(os.environ["AWS_SECRET_ACCESS_KEY"])
    chosen = ctx.rng.sample(FAULTS, ctx.rng.randint(1, 3))
    rates = {f: (0.01 if f == "slow" else ctx.rng.uniform(0.03, 0.12)) for f in chosen}
    with S3FaultProxy(S3_ENDPOINT, seed=ctx.seed, rates=rates, slow_seconds=1.5) as proxy:
        prefix = f"faults-{ctx.seed}-{os.getpid()}-{time.time_ns() % 10**9}/index"
        url = s3_url(prefix, endpoint=proxy.url, stall_timeout="1s", timeout="60s",
                     max_attempts="10")
        text = ctx.ws.config.read_text().replace('output = "index"', f'output = "{url}"')
        ctx.ws.config.write_text(text)
        p = ctx.fx("build-full")
        if p.returncode != 0:
            ctx.violate(4, f"build-full through S3 faults failed: {p.stderr[-300:]}")
            return
        for _ in range(ctx.rng.randint(0, 2)):
            point = ctx.rng.choice(CRASH_POINTS)
            p = ctx.fx("run", "--once", "--holder", "fault-runner",
                       env={"FRESHET_TEST_CRASH_POINT": point})
            ctx.faults += p.returncode == -signal.SIGKILL
        ctx.converge()
        ctx.faults += sum(proxy.counts.values())
        final_checks(ctx)


SCENARIOS = {
    "crash_point": (s_crash_point, 5),
    "kill9_random": (s_kill9_random, 3),
    "clock_jumps": (s_clock_jumps, 2),
    "disk_full": (s_disk_full, 2),
    "permission_denied": (s_permission_denied, 1),
    "corrupt_segment": (s_corrupt_segment, 2),
    "producer_rewrites": (s_producer_rewrites, 2),
    "bad_paths": (s_bad_paths, 1),
    "bad_records": (s_bad_records, 2),
    "fencing": (s_fencing, 1),
    "secrets": (s_secrets, 1),
    "metastore_lost": (s_metastore_lost, 1),
    "postgres_outage": (s_postgres_outage, 1),
    "s3_faults": (s_s3_faults, 1),
    "lease_expired": (s_lease_expired, 2),
    "collapse": (s_collapse, 1),
    "compaction": (s_compaction, 2),
    "delta_commit_in_batch": (s_delta_commit_in_batch, 1),
}

# Which scenario shows each safeguard is needed (run with it disabled), and
# the crash points it draws from.
SAFEGUARDS = [
    (1, "watermark_monotonic", "clock_jumps", None),
    (2, "checksum", "corrupt_segment", None),
    (3, "commit_before_current", "crash_point", "before_commit"),
    (4, "current_repair", "crash_point", "after_commit"),
    (5, "epoch_fencing", "fencing", None),
    (6, "group_recompute", "producer_rewrites", None),
    (7, "bad_record_accounting", "bad_records", None),
    (8, "secret_redaction", "secrets", None),
    (3, "create_if_absent", "metastore_lost", None),
    (9, "collapse_refusal", "collapse", None),
]


def run_scenario(root, name, seed, safeguard=None, keep=False, options=None):
    ctx = Ctx(root, name, seed, safeguard, options)
    started = time.time()
    skipped = None
    try:
        skipped = SCENARIOS[name][0](ctx)
    except Violation as e:
        ctx.violate(0, str(e))
    except Exception:  # a broken scenario is a failure too, with its trace
        ctx.violate(0, "scenario error: " + traceback.format_exc()[-700:])
    finally:
        if ctx.ws is not None and ctx.watcher.is_alive():
            ctx.watcher.halt.set()
        for m in ctx.mounts:
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
        if not keep and not ctx.violations:
            shutil.rmtree(ctx.root, ignore_errors=True)
    return {"name": name, "seed": seed, "faults": ctx.faults, "violations": ctx.violations,
            "docs_lost": ctx.docs_lost, "skipped": skipped, "seconds": time.time() - started,
            "path": str(ctx.root)}


def pick(rng, only):
    names = [n for n in SCENARIOS if not only or n in only]
    weights = [SCENARIOS[n][1] for n in names]
    return rng.choices(names, weights)[0]


def run_many(args, root):
    rng = random.Random(args.seed)
    jobs = []
    if args.replay:
        for spec in args.replay:
            name, seed = spec.split(":")
            jobs.append((name, int(seed)))
    else:
        only = set(args.only.split(",")) if args.only else None
        unknown = sorted((only or set()) - set(SCENARIOS))
        if unknown:
            sys.exit(f"unknown scenarios {unknown}; known: {', '.join(SCENARIOS)}")
        for _ in range(args.scenarios):
            jobs.append((pick(rng, only), rng.getrandbits(32)))
    options = {"points": args.points.split(",")} if args.points else None
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_scenario, root, n, s, args.disable, args.keep, options)
                   for n, s in jobs]
        for i, f in enumerate(concurrent.futures.as_completed(futures), 1):
            r = f.result()
            results.append(r)
            mark = "FAIL" if r["violations"] else ("skip" if r["skipped"] else "ok")
            if i % 25 == 0 and not args.verbose:
                print(f"  {i}/{len(jobs)} scenarios done", flush=True)
            if args.verbose or r["violations"]:
                print(f"[{i}/{len(jobs)}] {mark} {r['name']}:{r['seed']} faults={r['faults']} "
                      f"{r['seconds']:.1f}s", flush=True)
                for inv, msg in r["violations"]:
                    print(f"    invariant {inv}: {msg}", flush=True)
    return results


def summary(results, seed):
    by = {}
    for r in results:
        s = by.setdefault(r["name"], [0, 0, 0, 0, 0.0])
        s[0] += 1
        s[1] += r["faults"]
        s[2] += len(r["violations"])
        s[3] += 1 if r["skipped"] else 0
        s[4] += r["seconds"]
    print("\nscenario              run  faults  violations  skipped  mean s")
    for name in SCENARIOS:
        if name in by:
            s = by[name]
            print(f"{name:<20} {s[0]:>4} {s[1]:>7} {s[2]:>11} {s[3]:>8} {s[4] / s[0]:>7.1f}")
    violations = sum(len(r["violations"]) for r in results)
    print(f"\nscenarios run: {len(results)}")
    print(f"faults injected: {sum(r['faults'] for r in results)}")
    print(f"invariant violations: {violations}")
    print(f"docs lost: {sum(r['docs_lost'] for r in results)}")
    print(f"seed: {seed}")
    failed = [r for r in results if r["violations"]]
    for r in failed:
        print(f"replay: tests/faults/fault_suite.py --replay {r['name']}:{r['seed']}  "
              f"(kept in {r['path']})")
    return violations


def run_safeguards(args, root):
    """Each safeguard disabled in turn: the scenario of its invariant must catch it."""
    rows = []
    for inv, safeguard, scenario, points in SAFEGUARDS:
        caught = None
        tries = 0
        rng = random.Random(args.seed * 1000 + inv)
        options = {"points": points.split(",")} if points else None
        name = f"{scenario}[{points}]" if points else scenario
        for _ in range(args.tries):
            tries += 1
            seed = rng.getrandbits(32)
            r = run_scenario(root, scenario, seed, safeguard, options=options)
            if r["violations"]:
                # Show the violation of the safeguard's own invariant if seen.
                own = [v for v in r["violations"] if v[0] == inv]
                caught = (seed, (own or r["violations"])[0])
                break
        rows.append((inv, safeguard, name, tries, caught))
        status = f"caught ({tries} tries): {name}:{caught[0]}" if caught else "NOT caught"
        print(f"{safeguard}: {status}", flush=True)
    print("\ninvariant  safeguard disabled      scenario that caught it (NAME:SEED)    tries  "
          "violation seen")
    for inv, safeguard, name, tries, caught in rows:
        what = f"inv {caught[1][0]}: {caught[1][1][:100]}" if caught else "NOT CAUGHT"
        where = f"{name}:{caught[0]}" if caught else name
        print(f"{inv:>9}  {safeguard:<23} {where:<38} {tries:>5}  {what}")
    missed = [r for r in rows if not r[4]]
    print(f"\nsafeguards disabled: {len(rows)}, caught: {len(rows) - len(missed)}")
    return len(missed)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenarios", type=int, default=int(os.environ.get("FRESHET_FAULT_SCENARIOS", 250)))
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FRESHET_FAULT_SEED", 1)))
    ap.add_argument("--jobs", type=int, default=2, help="scenarios at a time (at most 2 here)")
    ap.add_argument("--only", help="comma-separated scenario names")
    ap.add_argument("--replay", action="append", help="NAME:SEED (repeatable)")
    ap.add_argument("--disable", help="FRESHET_TEST_DISABLE_SAFEGUARD for every scenario")
    ap.add_argument("--points", help="crash_point: draw only from these (comma-separated)")
    ap.add_argument("--safeguards", action="store_true",
                    help="disable each safeguard in turn and show which scenario catches it")
    ap.add_argument("--tries", type=int, default=6, help="--safeguards: seeds tried per safeguard")
    ap.add_argument("--keep", action="store_true", help="keep every scenario's folder")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--workdir", help="folder for scenarios (default: a new temporary one)")
    args = ap.parse_args()
    root = Path(args.workdir or tempfile.mkdtemp(prefix="freshet-faults-"))
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    print(f"freshet fault suite: binary {FRESHET_TEST}, folder {root}", flush=True)
    started = time.time()
    if args.safeguards:
        bad = run_safeguards(args, root)
    else:
        bad = summary(run_many(args, root), args.seed)
    print(f"elapsed: {time.time() - started:.0f}s")
    if not bad and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
