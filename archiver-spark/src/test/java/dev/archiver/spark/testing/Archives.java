package dev.archiver.spark.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.OffsetRange;
import dev.archiver.spark.commit.HadoopCommitLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Reads an archive the way a non-Spark reader would: through its manifests only. */
public final class Archives {
  private Archives() {
  }

  public static List<CommitManifest> manifests(Path output) {
    return new HadoopCommitLog(output.toString(), new Configuration()).all();
  }

  public static List<CommitManifest> manifests(String output, Configuration conf) {
    return new HadoopCommitLog(output, conf).all();
  }

  /** The archive files every manifest lists, as absolute paths. */
  public static List<String> archiveFiles(List<CommitManifest> manifests) {
    return manifests.stream().flatMap(m -> m.files().stream().map(f -> m.archiveRoot() + "/" + f.path())).toList();
  }

  public static List<String> quarantineFiles(List<CommitManifest> manifests) {
    return manifests.stream()
        .flatMap(m -> m.quarantineFiles().stream().map(f -> m.quarantineRoot() + "/" + f.path())).toList();
  }

  /** Rows of the listed files, with event_date taken from their partition directory. */
  public static Dataset<Row> read(SparkSession spark, Path output, List<String> files) {
    return read(spark, output.toUri().toString(), files);
  }

  public static Dataset<Row> read(SparkSession spark, String basePath, List<String> files) {
    return spark.read().option("basePath", basePath).parquet(files.toArray(String[]::new));
  }

  /** Parquet files on disk under the archive root's partitions, whether a manifest lists them or not. */
  public static List<String> filesOnDisk(Path output) {
    try (Stream<Path> paths = Files.walk(output)) {
      return paths.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !output.relativize(p).toString().startsWith("_"))
          .map(p -> output.relativize(p).toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Checks that per partition the manifests' ranges follow each other without gap or overlap, from 0 to the
   * topic's end: every offset is in exactly one committed manifest.
   */
  public static void assertEveryOffsetCommittedOnce(List<CommitManifest> manifests, Map<Integer, Long> ends) {
    Map<Integer, List<OffsetRange>> byPartition = new TreeMap<>(manifests.stream()
        .sorted(Comparator.comparingLong(CommitManifest::batchId))
        .flatMap(m -> m.offsets().stream()).filter(r -> r.size() > 0)
        .collect(Collectors.groupingBy(OffsetRange::partition, Collectors.toCollection(ArrayList::new))));
    assertThat(byPartition.keySet()).as("partitions covered").isEqualTo(ends.keySet());
    byPartition.forEach((partition, ranges) -> {
      long next = 0;
      for (OffsetRange r : ranges) {
        assertThat(r.startOffset()).as("partition %d: range %s follows the previous one", partition, r)
            .isEqualTo(next);
        next = r.endOffset();
      }
      assertThat(next).as("partition %d covered up to its end", partition).isEqualTo(ends.get(partition));
    });
  }

  /**
   * The exactly-once checks of an archive read through its manifests: every offset in exactly one manifest; every
   * listed file there with its listed bytes and rows; the archive's distinct {@code (_kafka_partition, _kafka_offset)}
   * equal to the archived count; quarantine rows equal to the malformed records produced; and no record both archived
   * and quarantined.
   */
  public static void assertExactlyOnce(SparkSession spark, List<CommitManifest> manifests, Map<Integer, Long> ends,
      long malformedProduced, Configuration conf) {
    assertEveryOffsetCommittedOnce(manifests, ends);
    long records = manifests.stream().mapToLong(CommitManifest::numRecords).sum();
    long archived = manifests.stream().mapToLong(CommitManifest::numArchived).sum();
    long quarantined = manifests.stream().mapToLong(CommitManifest::numQuarantined).sum();
    for (CommitManifest m : manifests) {
      m.files().forEach(f -> assertListed(m.archiveRoot() + "/" + f.path(), f, m.batchId(), conf));
      m.quarantineFiles().forEach(f -> assertListed(m.quarantineRoot() + "/" + f.path(), f, m.batchId(), conf));
    }
    assertThat(quarantined).as("quarantined = malformed records produced").isEqualTo(malformedProduced);
    String base = manifests.isEmpty() ? "" : manifests.get(0).archiveRoot();
    Dataset<Row> good = read(spark, base, archiveFiles(manifests)).select("_kafka_partition", "_kafka_offset");
    assertThat(good.count()).as("rows in the listed archive files").isEqualTo(archived);
    assertThat(good.distinct().count()).as("no record archived twice").isEqualTo(archived);
    List<String> quarantineFiles = quarantineFiles(manifests);
    if (!quarantineFiles.isEmpty()) {
      Dataset<Row> bad = spark.read().parquet(quarantineFiles.toArray(String[]::new))
          .select("_kafka_partition", "_kafka_offset");
      assertThat(bad.count()).as("rows in the listed quarantine files").isEqualTo(quarantined);
      assertThat(good.union(bad).distinct().count()).as("each record archived or quarantined, once")
          .isEqualTo(records);
    }
  }

  private static void assertListed(String file, DataFile listed, long batchId, Configuration conf) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
    try {
      FileStatus status = path.getFileSystem(conf).getFileStatus(path);
      assertThat(status.getLen()).as("bytes of %s (batch %d)", file, batchId).isEqualTo(listed.bytes());
      try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(status, conf))) {
        assertThat(reader.getFooter().getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum())
            .as("rows of %s (batch %d)", file, batchId).isEqualTo(listed.rows());
      }
    } catch (java.io.FileNotFoundException e) {
      throw new AssertionError("batch " + batchId + " lists " + file + ", which is gone", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static boolean exists(String file, Configuration conf) {
    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file);
    try {
      return path.getFileSystem(conf).exists(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** How many manifests the output holds, without reading them. */
  public static int manifestCount(String output, Configuration conf) {
    return new HadoopCommitLog(output, conf).batchIds().size();
  }
}
