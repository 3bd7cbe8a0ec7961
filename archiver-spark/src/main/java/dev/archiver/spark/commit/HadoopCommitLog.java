package dev.archiver.spark.commit;

import dev.archiver.RetriableException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.commit.CommitLog;
import dev.archiver.commit.CommitManifest;
import dev.archiver.commit.LogSummary;
import dev.archiver.commit.ManifestCodec;
import dev.archiver.commit.SummaryCodec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Manifests under {@code <output>/_archiver/manifests} on any Hadoop file system, published atomically and never
 * over an existing one ({@link AtomicPublish}: one PUT on object stores, an atomic rename on local disks and HDFS).
 */
public final class HadoopCommitLog implements CommitLog {
  private final Path dir;
  private final Configuration conf;
  private final ManifestCodec codec = new ManifestCodec();
  private final SummaryCodec summaries = new SummaryCodec();
  private final Path summaryDir;

  public HadoopCommitLog(String outputPath, Configuration conf) {
    this.dir = new Path(new Path(outputPath), ArchiveLayout.MANIFESTS_DIR);
    this.summaryDir = new Path(new Path(outputPath), ArchiveLayout.SUMMARY_DIR);
    this.conf = conf;
  }

  @Override
  public List<Long> batchIds() {
    return batchIdsAfter(-1);
  }

  @Override
  public List<Long> batchIdsAfter(long afterBatchId) {
    List<Long> ids = new ArrayList<>();
    list(id -> {
      if (id > afterBatchId) {
        ids.add(id);
      }
    });
    ids.sort(Long::compare);
    return ids;
  }

  @Override
  public Optional<Long> latestBatchId() {
    long[] newest = {-1};
    list(id -> newest[0] = Math.max(newest[0], id));
    return newest[0] < 0 ? Optional.empty() : Optional.of(newest[0]);
  }

  private void list(java.util.function.LongConsumer each) {
    try {
      NumberedNames.forEach(fs(), dir, each);
    } catch (IOException e) {
      throw new RetriableException("cannot list manifests in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<CommitManifest> read(long batchId) {
    Path file = new Path(dir, CommitManifest.fileName(batchId));
    try (InputStream in = fs().open(file)) {
      return Optional.of(codec.decode(in.readAllBytes(), file.toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read manifest " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void commit(CommitManifest manifest) {
    AtomicPublish.publish(new Path(dir, CommitManifest.fileName(manifest.batchId())), codec.encode(manifest), conf,
        "batch " + manifest.batchId());
  }

  @Override
  public Optional<LogSummary> summary() {
    long[] newest = {-1};
    try {
      NumberedNames.forEach(summaryDir.getFileSystem(conf), summaryDir, n -> newest[0] = Math.max(newest[0], n));
    } catch (IOException e) {
      throw new RetriableException("cannot list " + summaryDir + ": " + e.getMessage(), e);
    }
    if (newest[0] < 0) {
      return Optional.empty();
    }
    Path file = new Path(summaryDir, ArchiveLayout.numberedName(newest[0]));
    try (InputStream in = file.getFileSystem(conf).open(file)) {
      return Optional.of(summaries.decode(in.readAllBytes(), file.toString()));
    } catch (IOException e) {
      throw new RetriableException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void writeSummary(LogSummary summary) {
    Path file = new Path(summaryDir, ArchiveLayout.numberedName(summary.throughBatchId()));
    try {
      if (file.getFileSystem(conf).exists(file)) {
        return; // a rerun of an expiry that stopped while removing manifests
      }
    } catch (IOException e) {
      throw new RetriableException("cannot look at " + file + ": " + e.getMessage(), e);
    }
    AtomicPublish.publish(file, summaries.encode(summary), conf, "summary through batch "
        + summary.throughBatchId());
  }

  @Override
  public void remove(long batchId) {
    Path file = new Path(dir, CommitManifest.fileName(batchId));
    try {
      fs().delete(file, false);
    } catch (IOException e) {
      throw new RetriableException("cannot remove " + file + ": " + e.getMessage(), e);
    }
  }

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }
}
