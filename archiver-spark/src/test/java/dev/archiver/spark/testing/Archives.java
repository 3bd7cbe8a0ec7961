package dev.archiver.spark.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.archiver.commit.CommitManifest;
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
}
