package dev.archiver.spark.commit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.archiver.RetriableException;
import dev.archiver.commit.ArchiveLayout;
import dev.archiver.lease.LeaseClaim;
import dev.archiver.lease.LeaseStore;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The writer lease of an output under {@code <output>/_archiver/lease/}: {@code <epoch:20>.claim.json},
 * {@code <epoch:20>.heartbeat} and {@code <epoch:20>.released}, on any Hadoop file system. A claim is created
 * atomically on the local disk (create-new) and on HDFS (create without overwrite); on object stores a PUT may
 * overwrite a racing claim, which {@link dev.archiver.lease.StoredLease} settles by reading it back.
 */
public final class HadoopLeaseStore implements LeaseStore {
  private static final Pattern CLAIM = Pattern.compile("(\\d{20})\\.claim\\.json");
  private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());

  private final Path dir;
  private final Configuration conf;

  public HadoopLeaseStore(String outputPath, Configuration conf) {
    this.dir = new Path(new Path(outputPath), ArchiveLayout.ARCHIVER_DIR + "/lease");
    this.conf = conf;
  }

  @Override
  public List<Long> epochs() {
    try {
      FileSystem fs = fs();
      List<Long> epochs = new ArrayList<>();
      if (fs.exists(dir)) {
        for (FileStatus status : fs.listStatus(dir)) {
          Matcher m = CLAIM.matcher(status.getPath().getName());
          if (m.matches()) {
            epochs.add(Long.parseLong(m.group(1)));
          }
        }
      }
      epochs.sort(Long::compare);
      return epochs;
    } catch (IOException e) {
      throw new RetriableException("cannot list the writer lease in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<LeaseClaim> read(long epoch) {
    return readText(file(epoch, "claim.json")).map(text -> {
      try {
        return JSON.readValue(text, LeaseClaim.class);
      } catch (IOException e) {
        throw new RetriableException("writer lease claim " + file(epoch, "claim.json") + " is unreadable", e);
      }
    });
  }

  @Override
  public boolean create(LeaseClaim claim) {
    Path target = file(claim.epoch(), "claim.json");
    try {
      byte[] bytes = JSON.writeValueAsBytes(claim);
      FileSystem fs = fs();
      fs.mkdirs(dir);
      if (createIsAtomic()) {
        Files.write(java.nio.file.Path.of(fs.makeQualified(target).toUri()), bytes,
            java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
        return true;
      }
      try (OutputStream out = fs.create(target, false)) {
        out.write(bytes);
      }
      return true;
    } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      throw new RetriableException("cannot write the writer lease claim " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public boolean createIsAtomic() {
    try {
      return "file".equals(fs().getUri().getScheme());
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void beat(long epoch, long counter) {
    write(file(epoch, "heartbeat"), Long.toString(counter));
  }

  @Override
  public OptionalLong heartbeat(long epoch) {
    // A heartbeat caught mid-rewrite (empty on a local disk) is being written: a sign of life, not an error.
    return readText(file(epoch, "heartbeat")).map(String::trim)
        .map(t -> t.matches("\\d+") ? OptionalLong.of(Long.parseLong(t)) : OptionalLong.of(-1))
        .orElse(OptionalLong.empty());
  }

  @Override
  public void release(long epoch) {
    write(file(epoch, "released"), "released");
  }

  @Override
  public boolean released(long epoch) {
    try {
      return fs().exists(file(epoch, "released"));
    } catch (IOException e) {
      throw new RetriableException("cannot read the writer lease in " + dir + ": " + e.getMessage(), e);
    }
  }

  private Path file(long epoch, String kind) {
    return new Path(dir, ArchiveLayout.padded(epoch) + "." + kind);
  }

  private void write(Path file, String text) {
    try (OutputStream out = fs().create(file, true)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new RetriableException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private Optional<String> readText(Path file) {
    try (InputStream in = fs().open(file)) {
      return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new RetriableException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private FileSystem fs() throws IOException {
    return dir.getFileSystem(conf);
  }
}
