package dev.archiver.testing;

import dev.archiver.config.StoragePaths;
import dev.archiver.vacuum.ArchiveStorage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link ArchiveStorage} in memory: files by URI, small text files, and symbolic links as prefix aliases.
 */
public final class InMemoryStorage implements ArchiveStorage {
  public final Map<String, StoredFile> files = new LinkedHashMap<>();
  public final Map<String, String> texts = new LinkedHashMap<>();
  public final List<String> deleted = new ArrayList<>();
  private final Map<String, String> links = new LinkedHashMap<>();

  public void file(String uri, long bytes, Instant modified) {
    files.put(uri, new StoredFile(uri, bytes, modified));
  }

  /** {@code link} names the same directory as {@code target}, as a symbolic link does. */
  public void link(String link, String target) {
    links.put(StoragePaths.canonical(link), StoragePaths.canonical(target));
  }

  @Override
  public List<StoredFile> list(String root) {
    String prefix = qualify(root) + "/";
    List<StoredFile> out = new ArrayList<>();
    files.values().stream().filter(f -> f.uri().startsWith(prefix)).forEach(out::add);
    texts.keySet().stream().filter(u -> u.startsWith(prefix) && !files.containsKey(u))
        .forEach(u -> out.add(new StoredFile(u, texts.get(u).length(), Instant.EPOCH)));
    return out;
  }

  /** Runs once, at the first {@link #stat}: what happens between a vacuum's listing and its deletes. */
  public Runnable beforeFirstStat = () -> {
  };

  @Override
  public Optional<StoredFile> stat(String uri) {
    Runnable once = beforeFirstStat;
    beforeFirstStat = () -> {
    };
    once.run();
    return Optional.ofNullable(files.get(uri));
  }

  @Override
  public String qualify(String root) {
    return root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
  }

  @Override
  public String canonical(String location) {
    String canonical = StoragePaths.canonical(qualify(location));
    for (Map.Entry<String, String> link : links.entrySet()) {
      if (canonical.equals(link.getKey()) || canonical.startsWith(link.getKey() + "/")) {
        return link.getValue() + canonical.substring(link.getKey().length());
      }
    }
    return canonical;
  }

  @Override
  public void delete(String uri) {
    deleted.add(uri);
    files.remove(uri);
  }

  @Override
  public void write(String uri, String text) {
    texts.put(uri, text);
  }

  @Override
  public Optional<String> read(String uri) {
    return Optional.ofNullable(texts.get(uri));
  }
}
