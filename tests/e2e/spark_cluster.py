"""The settings of a test's SparkSession (or spark-submit) on the throwaway
standalone cluster of scripts/with-spark.sh: the Spark suite's (tests/spark)
and test_delta_spark.py's. Plain data, importable without pyspark."""

# Small executors: the cluster's two workers have one core each; the driver
# and every server on loopback.
SPARK_CONF = {
    "spark.executor.cores": "1",
    "spark.cores.max": "2",
    "spark.executor.memory": "1g",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.ui.enabled": "false",
}


def cluster_master():
    """The cluster's master URL (FRESHET_TEST_SPARK_MASTER); fails the test
    when it runs outside scripts/with-spark.sh."""
    import os

    import pytest
    master = os.environ.get("FRESHET_TEST_SPARK_MASTER")
    if not master:
        pytest.fail("runs under scripts/with-spark.sh, which starts the cluster and sets "
                    "FRESHET_TEST_SPARK_MASTER")
    return master


def session_builder(app_name, conf=None):
    """A SparkSession builder on the cluster with `conf` (default SPARK_CONF)."""
    from pyspark.sql import SparkSession
    builder = SparkSession.builder.master(cluster_master()).appName(app_name)
    for k, v in (conf or SPARK_CONF).items():
        builder = builder.config(k, v)
    return builder
