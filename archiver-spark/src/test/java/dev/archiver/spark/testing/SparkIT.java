package dev.archiver.spark.testing;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Integration tests on one local Spark shared by the test run (spark-testing-base), configured as the archiver runs:
 * task retries on (a failed task is retried as on a cluster), no UI, no Hive.
 */
public abstract class SparkIT extends JavaDataFrameSuiteBase {
  @Override
  public SparkConf conf() {
    return new SparkConf().setMaster("local[*,4]").setAppName("archiver-it").set("spark.ui.enabled", "false")
        .set("spark.sql.shuffle.partitions", "4").set("spark.driver.host", "127.0.0.1");
  }

  @Override
  public boolean enableHiveSupport() {
    return false;
  }

  @BeforeEach
  void startSpark() {
    runBefore();
  }

  @AfterAll
  static void stopSpark() {
    runAfterClass();
  }
}
