"""The Spark suite runs beside a real standalone cluster on 127.0.0.1, started
by scripts/with-spark.sh (which exports FRESHET_TEST_SPARK_MASTER)."""
import os

import pytest


@pytest.fixture(scope="session")
def spark_master():
    master = os.environ.get("FRESHET_TEST_SPARK_MASTER")
    if not master:
        pytest.fail("the Spark suite runs under scripts/with-spark.sh, "
                    "which starts the cluster and sets FRESHET_TEST_SPARK_MASTER")
    return master


@pytest.fixture(scope="session")
def worker_pids():
    return [int(p) for p in os.environ.get("FRESHET_TEST_SPARK_WORKER_PIDS", "").split()]
