package dev.archiver.spark.sink;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

class QuarantineFilesTest {
  private static final Path QUARANTINE = new Path("s3a://bucket/archive/_quarantine");

  @Test
  void namesTheQuarantineFileAfterTheArchiveFileAndItsPartition() {
    Path archive = new Path("s3a://bucket/archive/event_date=2026-11-25/event_hour=09/"
        + "part-00000000000000000007-00003-1a2b3c4d5e6f-17.c001.zstd.parquet");
    assertThat(QuarantineFiles.beside(QUARANTINE, archive)).isEqualTo(new Path(
        "s3a://bucket/archive/_quarantine/part-00000000000000000007-00003-1a2b3c4d5e6f-17-event_date=2026-11-25-event_hour=09"
            + ".c001.zstd.parquet"));
  }

  @Test
  void filesOfOtherPartitionsTasksAndRollsNeverShareAName() {
    String dir = "file:/a/event_date=2026-11-2";
    assertThat(java.util.stream.Stream.of(
            dir + "5/part-00000000000000000007-00003-1a2b3c4d5e6f-17.c000.snappy.parquet",
            dir + "6/part-00000000000000000007-00003-1a2b3c4d5e6f-17.c000.snappy.parquet",
            dir + "5/part-00000000000000000007-00004.c000.snappy.parquet",
            dir + "5/part-00000000000000000007-00003-1a2b3c4d5e6f-17.c001.snappy.parquet",
            dir + "5/part-00000000000000000008-00003.c000.snappy.parquet")
        .map(p -> QuarantineFiles.beside(QUARANTINE, new Path(p))).distinct().count()).isEqualTo(5);
  }

  @Test
  void anUnpartitionedArchiveFileKeepsItsName() {
    assertThat(QuarantineFiles.beside(QUARANTINE, new Path("file:/a/part-00000000000000000001-00000.c000.parquet")))
        .isEqualTo(new Path(QUARANTINE, "part-00000000000000000001-00000.c000.parquet"));
  }
}
