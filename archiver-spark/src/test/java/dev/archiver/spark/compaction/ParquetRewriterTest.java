package dev.archiver.spark.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.archiver.commit.DataFile;
import dev.archiver.compaction.Compactor;
import dev.archiver.compaction.Fingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-Parquet rewrite: rows, nulls, footer metadata and fingerprints, without Spark. */
class ParquetRewriterTest {
  private static final MessageType SCHEMA = MessageTypeParser.parseMessageType("message spark_schema {"
      + " optional binary id (STRING); optional int32 latency_ms; optional binary _kafka_topic (STRING);"
      + " optional int32 _kafka_partition; optional int64 _kafka_offset; }");
  private static final MessageType OTHER = MessageTypeParser.parseMessageType("message spark_schema {"
      + " optional binary id (STRING); optional binary _kafka_topic (STRING); optional int32 _kafka_partition;"
      + " optional int64 _kafka_offset; }");

  @TempDir
  java.nio.file.Path dir;
  private final Configuration conf = new Configuration();

  private DataFile write(String rel, MessageType schema, long from, long to) throws IOException {
    Path path = new Path(dir.resolve(rel).toUri());
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    try (ParquetWriter<Group> w = ExampleParquetWriter.builder(path).withConf(conf).withType(schema)
        .withExtraMetaData(Map.of("org.apache.spark.sql.parquet.row.metadata", "{\"spark\":1}")).build()) {
      for (long i = from; i < to; i++) {
        Group g = groups.newGroup().append("id", "e" + i).append("_kafka_topic", "events")
            .append("_kafka_partition", (int) (i % 3)).append("_kafka_offset", i);
        if (schema == SCHEMA && i % 2 == 1) {
          g.append("latency_ms", (int) i); // even rows keep a null
        }
        w.write(g);
      }
    }
    return new DataFile(rel, to - from, Files.size(dir.resolve(rel)));
  }

  private List<String> rows(String rel) throws IOException {
    List<String> out = new ArrayList<>();
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), new Path(dir.resolve(rel).toUri()))
        .withConf(conf).build()) {
      for (Group g = r.read(); g != null; g = r.read()) {
        out.add(g.toString().replace('\n', ' '));
      }
    }
    return out;
  }

  @Test
  void keepsEveryRowInOrderWithNullsAndFooterMetadataAndCanCompactAgain() throws IOException {
    ParquetRewriter rewriter = new ParquetRewriter(conf, "snappy");
    String root = dir.toString();
    List<DataFile> inputs = List.of(write("p/a.parquet", SCHEMA, 0, 5), write("p/b.parquet", SCHEMA, 5, 12));
    List<String> expected = new ArrayList<>(rows("p/a.parquet"));
    expected.addAll(rows("p/b.parquet"));

    Compactor.Rewritten out = rewriter.rewrite(root, inputs, "p/c.snappy.parquet");

    assertThat(out.file().rows()).isEqualTo(12);
    assertThat(out.file().bytes()).isEqualTo(Files.size(dir.resolve("p/c.snappy.parquet")));
    assertThat(out.read()).isEqualTo(out.written()).extracting(Fingerprint::rows).isEqualTo(12L);
    assertThat(rows("p/c.snappy.parquet")).isEqualTo(expected);
    assertThat(rewriter.exists(root, out.file())).isTrue();
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new Path(dir.resolve("p/c.snappy.parquet").toUri()), conf))) {
      assertThat(r.getFooter().getFileMetaData().getSchema()).isEqualTo(SCHEMA);
      assertThat(r.getFooter().getFileMetaData().getKeyValueMetaData())
          .containsEntry("org.apache.spark.sql.parquet.row.metadata", "{\"spark\":1}");
    }

    Compactor.Rewritten again = rewriter.rewrite(root, List.of(out.file(), write("p/d.parquet", SCHEMA, 12, 13)),
        "p/e.snappy.parquet");
    assertThat(again.written().rows()).isEqualTo(13);
    assertThat(again.written()).isEqualTo(out.written().plus(Fingerprint.EMPTY.add("events", 0, 12)));

    rewriter.delete(root, "p/e.snappy.parquet");
    assertThat(rewriter.exists(root, again.file())).isFalse();
  }

  @Test
  void refusesToMergeFilesOfDifferentSchemasOrToOverwrite() throws IOException {
    ParquetRewriter rewriter = new ParquetRewriter(conf, "zstd");
    String root = dir.toString();
    DataFile a = write("p/a.parquet", SCHEMA, 0, 2);
    DataFile b = write("p/b.parquet", OTHER, 2, 4);
    assertThatThrownBy(() -> rewriter.rewrite(root, List.of(a, b), "p/c.parquet"))
        .hasMessageContaining("their Parquet schemas differ");
    assertThatThrownBy(() -> rewriter.rewrite(root, List.of(a, a), "p/b.parquet"))
        .as("a new file never replaces one that exists").isInstanceOf(RuntimeException.class);
    assertThat(rows("p/b.parquet")).hasSize(2);
  }

  @Test
  void fingerprintsDifferWhenAnOffsetDiffers() {
    Fingerprint a = Fingerprint.EMPTY.add("events", 0, 1).add("events", 0, 2);
    Fingerprint b = Fingerprint.EMPTY.add("events", 0, 2).add("events", 0, 1);
    assertThat(a).as("order does not matter").isEqualTo(b);
    assertThat(Fingerprint.EMPTY.add("events", 0, 1).add("events", 0, 1)).isNotEqualTo(a);
    assertThat(Fingerprint.EMPTY.add("events", 1, 1).add("events", 0, 2)).isNotEqualTo(a);
  }
}
