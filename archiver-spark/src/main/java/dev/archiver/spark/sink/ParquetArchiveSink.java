package dev.archiver.spark.sink;

import static org.apache.spark.sql.functions.*;

import dev.archiver.RetriableException;
import dev.archiver.commit.BatchContext;
import dev.archiver.commit.DataFile;
import dev.archiver.commit.EventTimeRange;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.sink.ArchiveSink;
import dev.archiver.sink.WrittenBatch;
import dev.archiver.spark.commit.HadoopArchiveStorage;
import dev.archiver.spark.parse.RecordParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.storage.StorageLevel;

/**
 * Writes a batch as Parquet: good records partitioned by event date (and hour) under the archive root, failed ones
 * under the quarantine root. Kafka is read once: the parsed batch is cached on local disk (memory stays bounded by
 * the batch, not the backlog), counted while the archive is written, and read again only when it holds quarantined
 * records. Files go straight to their final names through {@link DirectWriteCommitProtocol}.
 */
public final class ParquetArchiveSink implements ArchiveSink<Dataset<Row>> {
  private final ArchiverConfig.Output output;
  private final RecordParser parser;
  private final Configuration hadoopConf;

  public ParquetArchiveSink(ArchiverConfig.Output output, RecordParser parser, Configuration hadoopConf) {
    this.output = output;
    this.parser = parser;
    this.hadoopConf = hadoopConf;
  }

  @Override
  public WrittenBatch write(BatchContext context, Dataset<Row> batch) {
    Dataset<Row> parsed = batch.persist(StorageLevel.DISK_ONLY());
    try {
      Observation stats = new Observation("archiver-batch-" + context.batchId() + "-" + UUID.randomUUID());
      Dataset<Row> observed = parsed.observe(stats,
          count_if(col(RecordParser.ERROR).isNull()).as("archived"),
          count_if(col(RecordParser.ERROR).isNotNull()).as("quarantined"),
          min(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("min_time"),
          max(when(col(RecordParser.ERROR).isNull(), parser.eventTime())).as("max_time"),
          sum(col(RecordParser.VALUE_BYTES)).as("input_bytes"));
      List<String> partitionColumns = output.partitionByHour()
          ? List.of(RecordParser.EVENT_DATE, RecordParser.EVENT_HOUR) : List.of(RecordParser.EVENT_DATE);
      List<DataFile> files = writeParquet(parser.archived(observed, output.partitionByHour()), output.path(),
          context.batchId(), "archive", partitionColumns);
      Map<String, Object> counts = stats.getAsJava();
      long archived = (Long) counts.get("archived");
      long quarantined = (Long) counts.get("quarantined");
      List<DataFile> quarantineFiles = quarantined == 0 ? List.of()
          : writeParquet(parser.quarantined(parsed, context.batchId()), output.quarantine(), context.batchId(),
              "quarantine", List.of());
      Optional<EventTimeRange> eventTime = Optional.ofNullable((Timestamp) counts.get("min_time"))
          .map(min -> new EventTimeRange(min.toInstant(), ((Timestamp) counts.get("max_time")).toInstant()));
      long inputBytes = counts.get("input_bytes") == null ? 0 : ((Number) counts.get("input_bytes")).longValue();
      return new WrittenBatch(qualified(output.path()), qualified(output.quarantine()), archived, quarantined,
          inputBytes, files, quarantineFiles, eventTime, partitions(files));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetriableException("interrupted while writing batch " + context.batchId(), e);
    } finally {
      parsed.unpersist(false);
    }
  }

  private List<DataFile> writeParquet(Dataset<Row> rows, String root, long batchId, String kind,
      List<String> partitionBy) {
    Path receipt = new Path(new Path(output.path()), "_archiver/receipts/" + String.format("%020d", batchId)
        + "-" + kind + "-" + UUID.randomUUID() + ".tsv");
    rows.write().mode(SaveMode.Append)
        .partitionBy(partitionBy.toArray(String[]::new))
        .option("compression", output.compression().equals("none") ? "uncompressed" : output.compression())
        .option("maxRecordsPerFile", output.maxRecordsPerFile())
        .option(DirectWriteCommitProtocol.BATCH_ID, batchId)
        .option(DirectWriteCommitProtocol.RECEIPT, receipt.toString())
        .parquet(root);
    return readReceipt(receipt, root);
  }

  /** The files one write committed, relative to its root, with rows read from each Parquet footer. */
  private List<DataFile> readReceipt(Path receipt, String root) {
    try {
      FileSystem fs = receipt.getFileSystem(hadoopConf);
      String text;
      try (InputStream in = fs.open(receipt)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      String prefix = qualified(root) + "/";
      List<DataFile> files = new ArrayList<>();
      for (String line : text.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        String[] parts = line.split("\t", 2);
        Path file = new Path(parts[1]);
        String relative = parts[1].startsWith(prefix) ? parts[1].substring(prefix.length()) : parts[1];
        files.add(new DataFile(relative, rows(file), Long.parseLong(parts[0])));
      }
      fs.delete(receipt, false);
      files.sort((a, b) -> a.path().compareTo(b.path()));
      return files;
    } catch (IOException e) {
      throw new RetriableException("cannot read the write receipt " + receipt + ": " + e.getMessage(), e);
    }
  }

  private long rows(Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, hadoopConf))) {
      return reader.getFooter().getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    }
  }

  private String qualified(String root) {
    return new HadoopArchiveStorage(hadoopConf).qualify(root);
  }

  private static List<String> partitions(List<DataFile> files) {
    TreeSet<String> dirs = new TreeSet<>();
    for (DataFile f : files) {
      int slash = f.path().lastIndexOf('/');
      if (slash > 0) {
        dirs.add(f.path().substring(0, slash));
      }
    }
    return List.copyOf(dirs);
  }

}
