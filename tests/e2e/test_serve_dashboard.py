"""The dashboard of `freshet serve` in Debian's headless chromium, driven by
playwright-core (tests/browser): the page loads nothing but the server's own
endpoints, its three plots are drawn from the batch log, the generation in
service is shown, and a search typed into the page comes back with hits."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from serve_helpers import serve

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
BROWSER_DIR = ROOT / "tests" / "browser"


def browser_missing():
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM} (scripts/install-deps.sh installs Debian's chromium)"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists() or not shutil.which("node"):
        return "playwright-core is not installed in tests/browser (scripts/install-deps.sh runs npm)"
    return None


@pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))
def test_dashboard_renders_plots_and_searches(ws, tmp_path):
    ws.gen(partitions=6)
    ws.cli("build-full")
    for partitions in (2, 4, 6):  # three committed batches to plot
        ws.cli("run", "--once", clock=f"fixed:2026-05-04T{10 + 0:02d}:{partitions * 5 + 1:02d}:00Z")
    server = serve([ws.config])
    try:
        url = f"http://127.0.0.1:{server.port}/"
        shot = tmp_path / "dashboard.png"
        proc = subprocess.run(["node", str(BROWSER_DIR / "dashboard_check.mjs"), url, str(shot),
                               "smartphone"], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "CHROMIUM": CHROMIUM})
        assert proc.returncode == 0, proc.stderr
        seen = json.loads(proc.stdout.strip().splitlines()[-1])
        keep = os.environ.get("FRESHET_DASHBOARD_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
    finally:
        assert server.stop() == 0
    # A real PNG was taken.
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    # Everything the page loaded came from this server (nothing from a CDN).
    assert seen["requests"] and all(r.startswith(url) for r in seen["requests"])
    assert seen["console_errors"] == []
    plots = {p["id"]: p for p in seen["plots"]}
    assert set(plots) == {"plot-lag", "plot-durations", "plot-records"}
    batches = [b for b in ws.status()["batches"] if b["kind"] == "delta"]
    assert len(batches) == 3
    # Records: one bar per batch; durations: 5 phases x 3 batches; lag: 3 commits (+ samples).
    assert plots["plot-records"]["marks"] == 3 and plots["plot-records"]["points"] == 3
    assert plots["plot-durations"]["points"] == 15 and plots["plot-durations"]["marks"] == 5
    assert plots["plot-lag"]["points"] >= 3
    assert seen["generation_version"] == str(ws.status()["manifest_version"])
    # The search round trip: the page shows what /search returns.
    expected = json.loads(ws.cli("query", "smartphone", "--json", "--limit", "10").stdout)
    assert seen["result_count"].startswith(f"{expected['total']} hits")
    assert seen["hit_ids"] == [h["id"] for h in expected["hits"]]
