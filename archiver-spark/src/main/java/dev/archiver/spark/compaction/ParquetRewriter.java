package dev.archiver.spark.compaction;

import dev.archiver.RetriableException;
import dev.archiver.commit.DataFile;
import dev.archiver.compaction.Compactor;
import dev.archiver.compaction.Fingerprint;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.schema.MessageType;

/**
 * Rewrites archive files into one with plain Parquet, record by record, without Spark: the new file has the inputs'
 * Parquet schema and footer metadata (Spark's row metadata among it, so Spark reads the same types back), every
 * column including the lineage columns, and rows in input order. Only files of one schema are merged; files written
 * under another schema make the rewrite fail rather than be converted.
 */
public final class ParquetRewriter implements Compactor.Rewriter {
  private final Configuration conf;
  private final CompressionCodecName codec;

  /** {@code compression} as {@code output.compression} names it: snappy, zstd, gzip, lz4 or none. */
  public ParquetRewriter(Configuration conf, String compression) {
    this.conf = conf;
    this.codec = switch (compression) {
      case "none" -> CompressionCodecName.UNCOMPRESSED;
      case "lz4" -> CompressionCodecName.LZ4_RAW;
      default -> CompressionCodecName.fromConf(compression);
    };
  }

  /** The end of new file names, as Spark names its files for the codec. */
  public static String fileSuffix(String compression) {
    return switch (compression) {
      case "none" -> ".c000.parquet";
      case "lz4" -> ".c000.lz4raw.parquet";
      default -> ".c000." + compression + ".parquet";
    };
  }

  @Override
  public Compactor.Rewritten rewrite(String archiveRoot, List<DataFile> inputs, String newPath) {
    Path root = new Path(archiveRoot);
    Path out = new Path(root, newPath);
    try {
      FileMetaData first = footer(new Path(root, inputs.get(0).path()));
      MessageType schema = first.getSchema();
      for (DataFile f : inputs) {
        MessageType other = footer(new Path(root, f.path())).getSchema();
        if (!other.equals(schema)) {
          throw new IllegalStateException("cannot compact " + f.path() + " with " + inputs.get(0).path()
              + ": their Parquet schemas differ (" + other + " vs " + schema + ")");
        }
      }
      Fingerprint read = Fingerprint.EMPTY;
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(HadoopOutputFile.fromPath(out, conf))
          .withConf(conf).withType(schema).withExtraMetaData(metadata(first))
          .withCompressionCodec(codec).withWriteMode(ParquetFileWriter.Mode.CREATE).build()) {
        for (DataFile f : inputs) {
          try (ParquetReader<Group> reader = reader(new Path(root, f.path()))) {
            for (Group g = reader.read(); g != null; g = reader.read()) {
              read = add(read, g);
              writer.write(g);
            }
          }
        }
      }
      Fingerprint written = Fingerprint.EMPTY;
      try (ParquetReader<Group> reader = reader(out)) {
        for (Group g = reader.read(); g != null; g = reader.read()) {
          written = add(written, g);
        }
      }
      long rows;
      try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(out, conf))) {
        rows = r.getRecordCount();
      }
      long bytes = out.getFileSystem(conf).getFileStatus(out).getLen();
      return new Compactor.Rewritten(new DataFile(newPath, rows, bytes), read, written);
    } catch (IOException e) {
      throw new RetriableException("compacting into " + out + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean exists(String archiveRoot, DataFile file) {
    Path path = new Path(new Path(archiveRoot), file.path());
    try {
      return path.getFileSystem(conf).getFileStatus(path).getLen() == file.bytes();
    } catch (java.io.FileNotFoundException e) {
      return false;
    } catch (IOException e) {
      throw new RetriableException("cannot look at " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String archiveRoot, String path) {
    Path file = new Path(new Path(archiveRoot), path);
    try {
      FileSystem fs = file.getFileSystem(conf);
      fs.delete(file, false);
      fs.delete(new Path(file.getParent(), "." + file.getName() + ".crc"), false);
    } catch (IOException e) {
      // Unlisted, so an orphan vacuum removes later; failing the run for it would hide the real error.
    }
  }

  /**
   * The inputs' footer metadata (Spark's schema and writer settings), without the object model key the writer sets
   * itself: a second compaction of a compacted file would otherwise pass it twice, which Parquet refuses.
   */
  private static Map<String, String> metadata(FileMetaData footer) {
    Map<String, String> out = new java.util.HashMap<>(footer.getKeyValueMetaData());
    out.remove("writer.model.name");
    return out;
  }

  private FileMetaData footer(Path file) throws IOException {
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return r.getFooter().getFileMetaData();
    }
  }

  private ParquetReader<Group> reader(Path file) throws IOException {
    return ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build();
  }

  /** Adds the row's Kafka coordinates; a missing lineage column fails (not an archive file). */
  private static Fingerprint add(Fingerprint fp, Group g) {
    String topic = g.getFieldRepetitionCount("_kafka_topic") == 0 ? null : g.getString("_kafka_topic", 0);
    return fp.add(topic, g.getInteger("_kafka_partition", 0), g.getLong("_kafka_offset", 0));
  }
}
