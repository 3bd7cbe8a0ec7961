package dev.archiver.spark.commit;

import dev.archiver.commit.ArchiveLayout;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.function.LongConsumer;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

/**
 * Lists the numbers of a directory of numbered commit files ({@link ArchiveLayout#NUMBERED_NAME}) without reading
 * any of them and without holding the listing: on the local disk a directory stream of names (Hadoop's local listing
 * would stat every file), elsewhere Hadoop's paged iterator (S3A: one LIST request per page of
 * {@code fs.s3a.paging.maximum} keys; hadoop-aws 3.3 has no start-after, so the pages before the start key are
 * listed and skipped, never read).
 */
final class NumberedNames {
  private NumberedNames() {
  }

  /** Calls {@code each} with every number in {@code dir}, in listing order; nothing when the directory is absent. */
  static void forEach(FileSystem fs, Path dir, LongConsumer each) throws IOException {
    if ("file".equals(fs.getScheme())) {
      java.nio.file.Path local = java.nio.file.Path.of(fs.makeQualified(dir).toUri());
      try (DirectoryStream<java.nio.file.Path> names = Files.newDirectoryStream(local)) {
        for (java.nio.file.Path name : names) {
          accept(name.getFileName().toString(), each);
        }
      } catch (NoSuchFileException e) {
        // no commit yet
      }
      return;
    }
    try {
      RemoteIterator<FileStatus> it = fs.listStatusIterator(dir);
      while (it.hasNext()) {
        accept(it.next().getPath().getName(), each);
      }
    } catch (FileNotFoundException e) {
      // no commit yet
    }
  }

  private static void accept(String name, LongConsumer each) {
    long number = ArchiveLayout.numberOf(name);
    if (number >= 0) {
      each.accept(number);
    }
  }
}
