"""pipeline.memory_budget: a build-full whose records outgrow the budget
spills them to pipeline.spill_dir and builds the base a part at a time.

Its answers are the oracle's and those of the same build in memory; its
peak resident memory stays flat as the corpus grows (while the in-memory
build's grows); a spill folder that cannot be written fails the build with an
error naming it, and publishes nothing."""
import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys

from conftest import START, Workspace, binary_for, clock_after
from oracle import QUERIES, diff_docs, expected_index

CUT_S = 1777888800  # START


def workspace(tmp_path, name, scale, budget=None, threads=None):
    ws = Workspace(tmp_path / name)
    ws.path.mkdir()
    ws.write_config(policy="sequential")
    extra = ""
    if budget:
        extra += f'memory_budget = "{budget}"\nspill_dir = "spill"\n'
    if threads:
        extra += f"threads = {threads}\n"
    ws.config.write_text(ws.config.read_text().replace("shards = 2", "shards = 2\n" + extra))
    return ws


def gen_ads(ws, scale):
    # The ads workload, scaled down: its snapshot files hold at most 100 000
    # ads each, so a larger scale means more files, not larger ones.
    binary = binary_for(dict(os.environ))
    subprocess.run([binary, "gen", "--workload", "ads-1m", "--scale", str(scale), "--out",
                    str(ws.path / "data"), "--format", "jsonl", "--start", START,
                    "--partitions", "1"], check=True, capture_output=True)
    ws.clock = clock_after(1)


def measured(ws, command="build-full"):
    """`command` (build-full, compact) in a fresh child process whose only
    child is freshet, so that the child's RUSAGE_CHILDREN peak is freshet's
    own."""
    binary = binary_for(dict(os.environ))
    code = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(p.stdout); sys.stderr.write(p.stderr)\n"
        "print('PEAK_KIB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(p.returncode)\n")
    p = subprocess.run([sys.executable, "-c", code, binary, command, "--config",
                        str(ws.config), "--clock", ws.clock],
                       capture_output=True, text=True, timeout=600)
    lines = p.stdout.splitlines()
    peak = int(lines[-1].split()[1]) / 1024
    return p.returncode, "\n".join(lines[:-1]), p.stderr, peak


def manifest_of(ws):
    index = ws.path / "index"
    return json.loads((index / (index / "CURRENT").read_text().strip()).read_text())


def answers(ws):
    hits, _ = ws.all_docs()
    return hits, {q: ws.query_ids(q) for q, _ in QUERIES}


def test_a_build_over_its_budget_spills_and_answers_as_in_memory(tmp_path):
    spilled = workspace(tmp_path, "spilled", 0.05, budget="16MiB")
    in_memory = workspace(tmp_path, "in-memory", 0.05)
    for ws in (spilled, in_memory):
        gen_ads(ws, 0.05)
    code, out, err, _ = measured(spilled)
    assert code == 0, err
    assert "spill_started" in err and "spill_finished" in err
    started = next(line for line in err.splitlines() if "spill_started" in line)
    assert f"folder={spilled.path / 'spill'}/freshet-spill-" in started
    assert list((spilled.path / "spill").iterdir()) == [], "the spill folder is removed after"
    code, _, err, _ = measured(in_memory)
    assert code == 0, err
    assert "spill_started" not in err

    # More segments than shards, each holding whole groups of one shard.
    parts = manifest_of(spilled)["base"]
    assert len(parts) > 2 and len(manifest_of(in_memory)["base"]) == 2
    assert sum(s["docs"] for s in parts) == 50000

    expected = expected_index(spilled.path / "data", CUT_S, CUT_S - 300)
    hits, spilled_answers = answers(spilled)
    assert len(hits) == len(expected) and not diff_docs(expected, hits)
    assert (hits, spilled_answers) == answers(in_memory)

    # A batch over the spilled base, then a compaction of it, answer as over
    # the in-memory one. Under the same small budget the compaction, too,
    # writes each shard in parts; under the default one, a segment a shard.
    for ws in (spilled, in_memory):
        subprocess.run([binary_for(dict(os.environ)), "gen", "--workload", "ads-1m", "--scale",
                        "0.05", "--out", str(ws.path / "data"), "--format", "jsonl", "--start",
                        START, "--partitions", "2", "--overwrite"], check=True, capture_output=True)
        ws.clock = clock_after(2)
        ws.cli("run", "--once")
    assert answers(spilled) == answers(in_memory)
    for ws in (spilled, in_memory):
        ws.cli("compact")
    assert answers(spilled) == answers(in_memory)
    assert len(manifest_of(spilled)["base"]) > 2 and len(manifest_of(in_memory)["base"]) == 2
    assert sum(s["docs"] for s in manifest_of(spilled)["base"]) == len(answers(in_memory)[0])


def test_a_compaction_under_its_budget_keeps_peak_memory_bounded_and_answers_alike(tmp_path):
    # The same base and delta compacted under a 32 MiB budget and under the
    # default one (which holds the whole new base, a segment a shard, and is
    # what build-full makes at the same cut: see test_compaction.py).
    spaces = {}
    for budget in ("32MiB", None):
        ws = workspace(tmp_path, f"compact-{budget}", 0.2, threads=1)
        gen_ads(ws, 0.2)
        ws.cli("build-full")
        subprocess.run([binary_for(dict(os.environ)), "gen", "--workload", "ads-1m", "--scale",
                        "0.2", "--out", str(ws.path / "data"), "--format", "jsonl", "--start",
                        START, "--partitions", "3", "--overwrite"], check=True,
                       capture_output=True)
        ws.clock = clock_after(3)
        ws.cli("run", "--once")
        if budget:
            # The budget set only now: the base and delta are the same bytes.
            ws.config.write_text(ws.config.read_text().replace(
                "shards = 2", f'shards = 2\nmemory_budget = "{budget}"'))
        code, _, err, peak = measured(ws, "compact")
        assert code == 0, err
        assert "compaction_committed" in err
        spaces[budget] = (ws, peak)
    bounded, bounded_peak = spaces["32MiB"]
    whole, whole_peak = spaces[None]
    base_bytes = sum(s["bytes"] for s in manifest_of(whole)["base"])
    # Several segments a shard, each within its shard's share of the budget.
    parts = manifest_of(bounded)["base"]
    assert len(parts) > 2 and len(manifest_of(whole)["base"]) == 2
    # Peak resident memory: the budget plus the program's own (30 to 50 MiB
    # measured), with room to spare, and well under the whole merge's, which
    # holds the new base (decoded and written) at once (about 300 MiB).
    assert bounded_peak < 32 + 96, (bounded_peak, whole_peak, base_bytes)
    assert bounded_peak < 0.5 * whole_peak, (bounded_peak, whole_peak, base_bytes)

    # The new base's cut is the end of the delta's newest partition.
    cut = manifest_of(bounded)["base_cut"]
    assert cut == manifest_of(whole)["base_cut"]
    target_s = dt.datetime.fromisoformat(cut.replace("Z", "+00:00")).timestamp() - 300
    expected = expected_index(bounded.path / "data", CUT_S, int(target_s))
    hits, bounded_answers = answers(bounded)
    assert len(hits) == len(expected) and not diff_docs(expected, hits)
    assert sum(s["docs"] for s in parts) == len(hits)
    assert (hits, bounded_answers) == answers(whole)


def test_peak_memory_under_a_budget_stays_flat_as_the_corpus_grows(tmp_path):
    peaks = {}
    for scale in (0.1, 0.3):
        for budget in ("32MiB", None):
            ws = workspace(tmp_path, f"{scale}-{budget}", scale, budget=budget, threads=1)
            gen_ads(ws, scale)
            code, _, err, peak = measured(ws)
            assert code == 0, err
            assert ("spill_started" in err) == (budget is not None)
            peaks[scale, budget] = peak
    # Three times the corpus: the in-memory build grows with it, the
    # budgeted one does not (beyond reading one more file at a time).
    assert peaks[0.3, None] > 2 * peaks[0.1, None], peaks
    assert peaks[0.3, "32MiB"] < 1.2 * peaks[0.1, "32MiB"], peaks
    assert peaks[0.3, "32MiB"] < 0.5 * peaks[0.3, None], peaks


def test_a_spill_folder_that_cannot_be_written_fails_the_build_and_publishes_nothing(tmp_path):
    ws = workspace(tmp_path, "full", 0.05, budget="16MiB")
    gen_ads(ws, 0.05)
    # A file where the folder should be: the spill folder cannot be made.
    (ws.path / "spill").write_text("not a folder")
    code, _, err, _ = measured(ws)
    assert code != 0
    assert f"spill folder: cannot create '{ws.path / 'spill'}'" in err, err
    assert not (ws.path / "index" / "CURRENT").exists()

    # Writes that fail mid-spill (a file-size limit stands for a full disk):
    # the error names the spill folder, and nothing is published.
    (ws.path / "spill").unlink()

    def limit_file_size():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 << 10, 256 << 10))

    p = subprocess.run([binary_for(dict(os.environ)), "build-full", "--config", str(ws.config),
                        "--clock", ws.clock], capture_output=True, text=True,
                       preexec_fn=limit_file_size, timeout=600)
    assert p.returncode != 0
    assert f"spill folder '{ws.path / 'spill'}/freshet-spill-" in p.stderr, p.stderr
    assert "File too large" in p.stderr, p.stderr
    assert not (ws.path / "index" / "CURRENT").exists()
    assert list((ws.path / "spill").iterdir()) == [], "the spill folder is removed after a failure"
