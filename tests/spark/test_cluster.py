"""The test cluster itself: a job submitted to the master runs on both
workers, on loopback."""
from pyspark.sql import SparkSession


def test_a_job_runs_on_two_executors_of_the_standalone_cluster(spark_master, worker_pids):
    assert len(worker_pids) == 2
    spark = (SparkSession.builder.master(spark_master).appName("freshet-cluster-check")
             .config("spark.executor.cores", "1").config("spark.cores.max", "2")
             .config("spark.executor.memory", "1g")
             .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
             .config("spark.ui.enabled", "false").getOrCreate())
    try:
        sc = spark.sparkContext
        total = sc.parallelize(range(1000), 8).map(lambda x: x * x).sum()
        assert total == sum(x * x for x in range(1000))
        hosts = [e.host() for e in sc._jsc.sc().statusTracker().getExecutorInfos()]
        # The driver plus one executor per worker, every one on loopback.
        assert len(hosts) == 3, hosts
        assert set(hosts) == {"127.0.0.1"}, hosts
    finally:
        spark.stop()
