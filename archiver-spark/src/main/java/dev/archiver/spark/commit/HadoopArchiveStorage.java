package dev.archiver.spark.commit;

import dev.archiver.RetriableException;
import dev.archiver.vacuum.ArchiveStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/** {@link ArchiveStorage} on any Hadoop file system: a recursive listing (one paged LIST on S3A), and deletes. */
public final class HadoopArchiveStorage implements ArchiveStorage {
  private final Configuration conf;

  public HadoopArchiveStorage(Configuration conf) {
    this.conf = conf;
  }

  @Override
  public List<StoredFile> listData(String root) {
    Path path = new Path(root);
    List<StoredFile> files = new ArrayList<>();
    try {
      FileSystem fs = path.getFileSystem(conf);
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
      while (it.hasNext()) {
        LocatedFileStatus status = it.next();
        String relative = status.getPath().toUri().getPath().substring(fs.makeQualified(path).toUri().getPath()
            .length());
        if (relative.startsWith("/_archiver") || relative.contains("/_archiver/")) {
          continue;
        }
        files.add(new StoredFile(status.getPath().toString(), status.getLen(),
            Instant.ofEpochMilli(status.getModificationTime())));
      }
      return files;
    } catch (FileNotFoundException e) {
      return List.of();
    } catch (IOException e) {
      throw new RetriableException("cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String qualify(String root) {
    try {
      Path path = new Path(root);
      String q = path.getFileSystem(conf).makeQualified(path).toString();
      return q.endsWith("/") ? q.substring(0, q.length() - 1) : q;
    } catch (IOException e) {
      throw new RetriableException("cannot resolve " + root + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String uri) {
    Path path = new Path(uri);
    try {
      path.getFileSystem(conf).delete(path, false);
    } catch (IOException e) {
      throw new RetriableException("cannot delete " + uri + ": " + e.getMessage(), e);
    }
  }
}
