package dev.archiver.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One spelling per storage location, so that two names of the same directory compare equal: {@code /data/a},
 * {@code file:/data/a}, {@code file:///data/a/} and {@code /data/./a} are {@code file:/data/a}; {@code s3://b/p},
 * {@code s3a://b/p/} and {@code s3n://b/p} are {@code s3a://b/p} (three Hadoop connectors to one bucket). Lexical
 * only: symbolic links are resolved by the storage ({@code ArchiveStorage#canonical}), which can look at the disk.
 */
public final class StoragePaths {
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:.*");
  private static final Set<String> S3_ALIASES = Set.of("s3", "s3n", "s3a");

  private StoragePaths() {
  }

  /** The canonical spelling of a root or file location. Relative local paths resolve against the working dir. */
  public static String canonical(String location) {
    String raw = location.strip();
    if (!SCHEME.matcher(raw).matches()) {
      return "file:" + slashless(Path.of(raw).toAbsolutePath().normalize().toString());
    }
    URI uri;
    try {
      uri = new URI(raw.replace(" ", "%20"));
    } catch (URISyntaxException e) {
      return raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("file")) {
      String path = Optional.ofNullable(uri.getPath()).orElse("/");
      return "file:" + slashless(Path.of(path.isEmpty() ? "/" : path).normalize().toString());
    }
    if (S3_ALIASES.contains(scheme)) {
      scheme = "s3a";
    }
    String path = Optional.ofNullable(uri.getRawPath()).orElse("").replaceAll("/{2,}", "/");
    path = URI.create(path.startsWith("/") ? path : "/" + path).normalize().getRawPath();
    String authority = Optional.ofNullable(uri.getRawAuthority()).map(a -> "//" + a).orElse("");
    return scheme + ":" + authority + slashless(path);
  }

  /** Whether {@code inner} is {@code outer} or lies below it. */
  public static boolean within(String inner, String outer) {
    String in = canonical(inner);
    String out = canonical(outer);
    return in.equals(out) || in.startsWith(out.endsWith("/") ? out : out + "/");
  }

  /** The path of {@code inner} below {@code outer} (empty when equal); only when {@link #within}. */
  public static Optional<String> relative(String inner, String outer) {
    if (!within(inner, outer)) {
      return Optional.empty();
    }
    String in = canonical(inner);
    String out = canonical(outer);
    return Optional.of(in.length() == out.length() ? "" : in.substring(out.length() + (out.endsWith("/") ? 0 : 1)));
  }

  private static String slashless(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }
}
