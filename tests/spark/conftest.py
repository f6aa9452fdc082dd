"""The Spark suite runs beside a real standalone cluster on 127.0.0.1, started
by scripts/with-spark.sh (which exports FRESHET_TEST_SPARK_MASTER). Its
workspaces are the end-to-end suite's (generated data, a pipeline config, the
`freshet` binary of FRESHET_BIN)."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "spark" / "freshet_spark.py"

_spec = importlib.util.spec_from_file_location("e2e_conftest", ROOT / "tests" / "e2e" / "conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)

# The application's driver functions, for tests that drive it step by step.
_app_spec = importlib.util.spec_from_file_location("freshet_spark", APP)
freshet_spark = importlib.util.module_from_spec(_app_spec)
sys.modules["freshet_spark"] = freshet_spark
_app_spec.loader.exec_module(freshet_spark)

_conf_spec = importlib.util.spec_from_file_location("spark_cluster",
                                                    ROOT / "tests" / "e2e" / "spark_cluster.py")
_spark_cluster = importlib.util.module_from_spec(_conf_spec)
_conf_spec.loader.exec_module(_spark_cluster)
SPARK_CONF = _spark_cluster.SPARK_CONF


@pytest.fixture(scope="session")
def spark_master():
    return _spark_cluster.cluster_master()


@pytest.fixture(scope="session")
def worker_pids():
    return [int(p) for p in os.environ.get("FRESHET_TEST_SPARK_WORKER_PIDS", "").split()]


@pytest.fixture
def ws(tmp_path):
    w = e2e.Workspace(tmp_path)
    w.write_config()
    return w


@pytest.fixture
def spark(spark_master):
    """A SparkSession of this process on the cluster, with the application's
    module shipped to the executors."""
    session = _spark_cluster.session_builder("freshet-spark-test").getOrCreate()
    session.sparkContext.addPyFile(str(APP))
    yield session
    session.stop()


def spark_submit(master, *args, check=True, timeout=600, **popen):
    """Runs `spark-submit freshet_spark.py ARGS` on the cluster; the
    CompletedProcess (or the Popen with `popen` arguments given)."""
    cmd = [str(Path(os.environ["SPARK_HOME"]) / "bin" / "spark-submit"), "--master", master]
    for k, v in SPARK_CONF.items():
        cmd += ["--conf", f"{k}={v}"]
    cmd += [str(APP), *args]
    if popen:
        return subprocess.Popen(cmd, text=True, **popen)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"spark-submit exited {proc.returncode}\nstdout:\n{proc.stdout}\n"
                             f"stderr:\n{proc.stderr[-5000:]}")
    return proc


def second_config(ws, output, metastore):
    """A copy of the workspace's config writing to `output` with `metastore`
    (the same snapshot and pipeline); its path."""
    text = ws.config.read_text()
    text = text.replace('output = "index"', f'output = "{output}"')
    text = text.replace('metastore = "sqlite:meta.db"', f'metastore = "{metastore}"')
    path = ws.path / f"{output}.toml"
    path.write_text(text)
    return path


def manifest_of(ws, output):
    index = ws.path / output
    key = (index / "CURRENT").read_text().strip()
    return json.loads((index / key).read_text())


def status_of(ws, config):
    return json.loads(e2e.run(["status", "--json", "--batches", "100", "--config", str(config),
                               "--clock", ws.clock]).stdout)


def all_docs(ws, config):
    out = json.loads(e2e.run(["query", "*", "--json", "--limit", "100000000", "--config",
                              str(config)]).stdout)
    return {h["id"]: h for h in out["hits"]}
