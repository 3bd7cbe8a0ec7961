package dev.archiver.commit;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * One file a batch committed: {@code path} relative to its root (archive or quarantine), rows and bytes. The path is
 * '/' separated, without a scheme, a leading '/' or '..': the file is {@code root + "/" + path} (manifest-schema/).
 */
public record DataFile(String path, long rows, long bytes) {
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");

  public DataFile {
    if (path == null || path.isEmpty() || path.startsWith("/") || SCHEME.matcher(path).matches()
        || Arrays.asList(path.split("/")).contains("..")) {
      throw new IllegalArgumentException("file path '" + path + "' must be relative to its root, without '..'");
    }
    if (rows < 0 || bytes < 0) {
      throw new IllegalArgumentException(path + ": rows (" + rows + ") and bytes (" + bytes + ") must be >= 0");
    }
  }
}
