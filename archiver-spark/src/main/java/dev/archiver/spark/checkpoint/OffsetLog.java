package dev.archiver.spark.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.archiver.RetriableException;
import dev.archiver.commit.OffsetRange;
import dev.archiver.commit.OffsetReset;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads the offsets a batch covers from Spark's checkpoint: the end from {@code offsets/<batchId>} (written
 * before the batch runs, the same on every replay) and the start from {@code offsets/<batchId - 1>}, or for the first
 * batch the source's initial offsets in {@code sources/0/0}. Both hold the Kafka source's JSON
 * {@code {"topic":{"partition":offset}}} after a version line.
 */
public final class OffsetLog {
  private static final TypeReference<Map<String, Map<String, Long>>> OFFSETS = new TypeReference<>() {
  };
  private final Path checkpoint;
  private final Configuration conf;
  private final ObjectMapper mapper = new ObjectMapper();

  public OffsetLog(String checkpoint, Configuration conf) {
    this.checkpoint = new Path(checkpoint);
    this.conf = conf;
  }

  /**
   * What Spark planned for a batch, from two files read once each.
   *
   * @param ranges the offsets the batch covers, per topic-partition
   * @param resets partitions whose end offset lies below the previous batch's end: the topic was recreated or
   *     truncated. Spark's source (with {@code failOnDataLoss} off) reads nothing of them in this batch and continues
   *     from the new end; {@code ranges} shows them as empty ranges at the new end.
   * @param time when Spark planned the batch ({@code batchTimestampMs} of its metadata line): written once with the
   *     batch's offsets, so a replay of the batch sees the same time
   */
  public record Planned(List<OffsetRange> ranges, List<OffsetReset> resets, Instant time) {
  }

  public Planned planned(long batchId) {
    Path endFile = new Path(checkpoint, "offsets/" + batchId);
    List<String> endLines = lines(endFile)
        .orElseThrow(() -> new IllegalStateException("no offsets for batch " + batchId + " in " + checkpoint));
    Map<String, Map<String, Long>> end = offsets(endFile, endLines).orElseThrow(() ->
        new IllegalStateException("no source offsets in " + endFile));
    Path startFile = batchId == 0 ? new Path(checkpoint, "sources/0/0")
        : new Path(checkpoint, "offsets/" + (batchId - 1));
    Map<String, Map<String, Long>> start = lines(startFile).flatMap(l -> offsets(startFile, l)).orElse(Map.of());
    List<OffsetRange> ranges = new ArrayList<>();
    List<OffsetReset> resets = new ArrayList<>();
    end.forEach((topic, partitions) -> partitions.forEach((p, endOffset) -> {
      Long known = start.getOrDefault(topic, Map.of()).get(p);
      long from = known == null ? 0L : known;
      // A partition added mid-stream, or a negative sentinel, starts at its end: nothing of it was read before.
      ranges.add(new OffsetRange(topic, Integer.parseInt(p), Math.max(0, Math.min(from, endOffset)), endOffset));
      if (batchId > 0 && known != null && endOffset >= 0 && endOffset < known) {
        resets.add(new OffsetReset(topic, Integer.parseInt(p), known, endOffset));
      }
    }));
    ranges.sort((a, b) -> a.topicPartition().compareTo(b.topicPartition()));
    resets.sort((a, b) -> a.topicPartition().compareTo(b.topicPartition()));
    return new Planned(ranges, resets, time(endFile, endLines));
  }

  public List<OffsetRange> ranges(long batchId) {
    return planned(batchId).ranges();
  }

  private Instant time(Path file, List<String> lines) {
    for (String line : lines) {
      if (line.startsWith("{") && line.contains("\"batchTimestampMs\"")) {
        try {
          return Instant.ofEpochMilli(mapper.readTree(line).path("batchTimestampMs").asLong());
        } catch (IOException e) {
          throw new RetriableException("cannot read Spark's offset log " + file + ": " + e.getMessage(), e);
        }
      }
    }
    throw new IllegalStateException("no batch metadata in " + file);
  }

  private Optional<Map<String, Map<String, Long>>> offsets(Path file, List<String> lines) {
    // The Kafka source's offsets are the last JSON object line; earlier lines are the version and metadata.
    for (int i = lines.size() - 1; i >= 0; i--) {
      String line = lines.get(i);
      if (line.startsWith("{") && !line.contains("\"batchWatermarkMs\"")) {
        try {
          return Optional.of(mapper.readValue(line, OFFSETS));
        } catch (IOException e) {
          throw new RetriableException("cannot read Spark's offset log " + file + ": " + e.getMessage(), e);
        }
      }
    }
    return Optional.empty();
  }

  private Optional<List<String>> lines(Path file) {
    try {
      FileSystem fs = file.getFileSystem(conf);
      String text;
      try (InputStream in = fs.open(file)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Optional.of(List.of(text.replace("\u0000", "").split("\n")).stream().map(String::trim).toList());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read Spark's offset log " + file + ": " + e.getMessage(), e);
    }
  }
}
