package dev.archiver.spark.commit;

import dev.archiver.RetriableException;
import dev.archiver.config.StoragePaths;
import dev.archiver.vacuum.ArchiveStorage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * {@link ArchiveStorage} on any Hadoop file system: a recursive listing (one paged LIST on S3A), stat, deletes and
 * small files. On the local file system, canonical locations resolve symbolic links.
 */
public final class HadoopArchiveStorage implements ArchiveStorage {
  private final Configuration conf;

  public HadoopArchiveStorage(Configuration conf) {
    this.conf = conf;
  }

  @Override
  public List<StoredFile> list(String root) {
    List<StoredFile> files = new ArrayList<>();
    forEach(root, files::add);
    return files;
  }

  /**
   * Streams the recursive listing, holding one page at a time: Hadoop's (S3A: paged LIST requests), or on the local
   * disk a directory walk, since Hadoop's local listing forks a process per file for its permissions.
   */
  @Override
  public void forEach(String root, java.util.function.Consumer<StoredFile> each) {
    forEach(root, null, each);
  }

  @Override
  public void forEach(String root, String skipped, java.util.function.Consumer<StoredFile> each) {
    Path path = new Path(root);
    String skippedPrefix = skipped == null ? null : qualify(root) + "/" + skipped + "/";
    try {
      FileSystem fs = path.getFileSystem(conf);
      if ("file".equals(fs.getScheme())) {
        walkLocal(fs, path, skipped, each);
        return;
      }
      String prefix = qualify(root) + "/";
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(path, true);
      while (it.hasNext()) {
        LocatedFileStatus status = it.next();
        String uri = fs.makeQualified(status.getPath()).toString();
        // A listing also reports the root itself when it is a file.
        if (uri.startsWith(prefix) && (skippedPrefix == null || !uri.startsWith(skippedPrefix))) {
          each.accept(stored(uri, status));
        }
      }
    } catch (FileNotFoundException e) {
      // nothing there
    } catch (IOException e) {
      throw new RetriableException("cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * The local listing as Hadoop's local file system gives it: links followed, each file's size and modification,
   * without the checksum files ({@code .name.crc}) it hides beside the files it wrote.
   */
  private static void walkLocal(FileSystem fs, Path root, String skipped,
      java.util.function.Consumer<StoredFile> each) throws IOException {
    java.nio.file.Path start = java.nio.file.Path.of(fs.makeQualified(root).toUri());
    if (!Files.isDirectory(start)) {
      return;
    }
    java.nio.file.Path skip = skipped == null ? null : start.resolve(skipped);
    boolean hideChecksums = fs instanceof org.apache.hadoop.fs.ChecksumFileSystem;
    Files.walkFileTree(start, java.util.EnumSet.of(java.nio.file.FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
        new java.nio.file.SimpleFileVisitor<>() {
          @Override
          public java.nio.file.FileVisitResult preVisitDirectory(java.nio.file.Path dir,
              java.nio.file.attribute.BasicFileAttributes attrs) {
            return dir.equals(skip) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
                : java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFile(java.nio.file.Path file,
              java.nio.file.attribute.BasicFileAttributes attrs) {
            String name = file.getFileName().toString();
            if (attrs.isDirectory() || hideChecksums && name.startsWith(".") && name.endsWith(".crc")) {
              return java.nio.file.FileVisitResult.CONTINUE;
            }
            String uri = fs.makeQualified(new Path(file.toUri())).toString();
            each.accept(new StoredFile(uri, attrs.size(), attrs.lastModifiedTime().toInstant()));
            return java.nio.file.FileVisitResult.CONTINUE;
          }

          @Override
          public java.nio.file.FileVisitResult visitFileFailed(java.nio.file.Path file, IOException e) {
            return java.nio.file.FileVisitResult.CONTINUE; // gone since it was listed, or a link loop
          }
        });
  }

  @Override
  public Optional<StoredFile> stat(String uri) {
    Path path = new Path(uri);
    try {
      return Optional.of(stored(uri, path.getFileSystem(conf).getFileStatus(path)));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot look at " + uri + ": " + e.getMessage(), e);
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

  /** Local paths with their symbolic links resolved (as far as the path exists); others as spelled, canonically. */
  @Override
  public String canonical(String location) {
    String canonical = StoragePaths.canonical(qualify(location));
    if (!canonical.startsWith("file:")) {
      return canonical;
    }
    java.nio.file.Path local = java.nio.file.Path.of(canonical.substring("file:".length()));
    java.nio.file.Path existing = local;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return canonical;
    }
    try {
      java.nio.file.Path real = existing.toRealPath().resolve(existing.relativize(local));
      return StoragePaths.canonical("file:" + real);
    } catch (IOException e) {
      throw new RetriableException("cannot resolve " + location + ": " + e.getMessage(), e);
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

  @Override
  public void write(String uri, String text) {
    Path path = new Path(uri);
    try (OutputStream out = path.getFileSystem(conf).create(path, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RetriableException("cannot write " + uri + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<String> read(String uri) {
    Path path = new Path(uri);
    try (InputStream in = path.getFileSystem(conf).open(path)) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read " + uri + ": " + e.getMessage(), e);
    }
  }

  private static StoredFile stored(String uri, FileStatus status) {
    return new StoredFile(uri, status.getLen(), Instant.ofEpochMilli(status.getModificationTime()));
  }
}
