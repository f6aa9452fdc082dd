"""A pipeline over Parquet input publishes the same index as the oracle computes
from the same workload written as JSON Lines (same seed: same records)."""
import pytest

from test_oracle import CUT_S, PERIOD_S, check_against_oracle, watermark_s


@pytest.mark.sanitizer_smoke
def test_parquet_input_matches_the_oracle(ws):
    ws.write_config(fmt="parquet")
    ws.gen(6, 11, fmt="parquet")
    ws.gen(6, 11, fmt="jsonl", out=ws.path / "oracle-data")
    assert list((ws.path / "data" / "snapshot" / "ads").glob("*.parquet"))
    ws.cli("build-full")
    ws.cli("run", "--once")
    assert watermark_s(ws) == CUT_S + 5 * PERIOD_S
    check_against_oracle(ws, CUT_S + 5 * PERIOD_S, data_dir=ws.path / "oracle-data")


def test_parquet_with_malformed_is_refused(ws):
    from conftest import run
    p = run(["gen", "--workload", "tiny", "--out", str(ws.path / "d"), "--format", "parquet",
             "--malformed", "0.1"], check=False)
    assert p.returncode == 2
    assert "--malformed" in p.stderr
