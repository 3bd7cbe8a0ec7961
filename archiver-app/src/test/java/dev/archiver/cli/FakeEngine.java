package dev.archiver.cli;

import dev.archiver.commit.CommitLog;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.config.ConfigError;
import dev.archiver.engine.ArchiverEngine;
import dev.archiver.listener.CommitListener;
import dev.archiver.testing.InMemoryCommitLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Records what the CLI asked of the engine. */
final class FakeEngine implements ArchiverEngine {
  final List<ArchiverConfig> runs = new ArrayList<>();
  final List<ConfigError> validationErrors = new ArrayList<>();
  final InMemoryCommitLog log = new InMemoryCommitLog();
  final dev.archiver.testing.InMemoryCompactionLog compactions = new dev.archiver.testing.InMemoryCompactionLog();

  @Override
  public List<ConfigError> validate(ArchiverConfig config) {
    return validationErrors;
  }

  @Override
  public void run(ArchiverConfig config, List<CommitListener> listeners) {
    runs.add(config);
  }

  @Override
  public dev.archiver.vacuum.ArchiveStorage storage(Map<String, String> storageConf) {
    throw new UnsupportedOperationException("not in CLI unit tests");
  }

  /** What {@link #sampleExtra} returns. */
  final List<String> extras = new java.util.ArrayList<>();
  final List<String> sampledFiles = new java.util.ArrayList<>();

  @Override
  public List<String> sampleExtra(List<String> fileUris, int limit, Map<String, String> storageConf) {
    sampledFiles.addAll(fileUris);
    return extras.subList(0, Math.min(limit, extras.size()));
  }

  @Override
  public CommitLog commitLog(String outputPath, Map<String, String> storageConf) {
    return log;
  }

  @Override
  public dev.archiver.compaction.CompactionLog compactionLog(String outputPath, Map<String, String> storageConf) {
    return compactions;
  }

  @Override
  public dev.archiver.compaction.Compactor.Rewriter rewriter(Map<String, String> storageConf, String compression) {
    return new dev.archiver.compaction.Compactor.Rewriter() {
      @Override
      public dev.archiver.compaction.Compactor.Rewritten rewrite(String root, List<dev.archiver.commit.DataFile> in,
          String newPath) {
        throw new UnsupportedOperationException("no Parquet in CLI unit tests");
      }

      @Override
      public boolean exists(String archiveRoot, dev.archiver.commit.DataFile file) {
        throw new UnsupportedOperationException("no Parquet in CLI unit tests");
      }

      @Override
      public void delete(String archiveRoot, String path) {
        throw new UnsupportedOperationException("no Parquet in CLI unit tests");
      }
    };
  }

  @Override
  public String fileSuffix(String compression) {
    return ".c000." + compression + ".parquet";
  }
}
