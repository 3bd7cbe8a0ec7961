package dev.archiver.spark.commit;

import dev.archiver.RetriableException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.compaction.CompactionCodec;
import dev.archiver.compaction.CompactionLog;
import dev.archiver.compaction.CompactionManifest;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Compaction manifests under {@code <output>/_archiver/compactions} on any Hadoop file system, published as batch
 * manifests are ({@link AtomicPublish}): a sequence number is taken by exactly one compaction on local disks and
 * HDFS; on S3 (no conditional PUT in hadoop-aws 3.3.4) two compactions racing for one number within the same moment
 * could both write it, the same gap as the batch manifests' (README "Compaction").
 */
public final class HadoopCompactionLog implements CompactionLog {
  private final Path dir;
  private final Configuration conf;
  private final CompactionCodec codec = new CompactionCodec();

  public HadoopCompactionLog(String outputPath, Configuration conf) {
    this.dir = new Path(new Path(outputPath), ArchiveLayout.COMPACTIONS_DIR);
    this.conf = conf;
  }

  @Override
  public List<Long> sequences() {
    List<Long> out = new ArrayList<>();
    try {
      NumberedNames.forEach(dir.getFileSystem(conf), dir, out::add);
    } catch (IOException e) {
      throw new RetriableException("cannot list compactions in " + dir + ": " + e.getMessage(), e);
    }
    out.sort(Long::compare);
    return out;
  }

  @Override
  public Optional<CompactionManifest> read(long sequence) {
    Path file = new Path(dir, CompactionManifest.fileName(sequence));
    try (InputStream in = file.getFileSystem(conf).open(file)) {
      return Optional.of(codec.decode(in.readAllBytes(), file.toString()));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read compaction manifest " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void commit(CompactionManifest manifest) {
    AtomicPublish.publish(new Path(dir, CompactionManifest.fileName(manifest.sequence())), codec.encode(manifest),
        conf, "compaction " + manifest.sequence());
  }
}
