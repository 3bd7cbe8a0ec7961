package dev.archiver.sink;

import dev.archiver.commit.BatchContext;

/**
 * Writes one batch's archive and quarantine files; {@link dev.archiver.commit.BatchCommitter} then commits them
 * by publishing the manifest.
 *
 * <p>Failure contract: {@code write} may leave files behind when it throws; they are listed in no manifest, so
 * readers never see them, and a replay of the same batch id rewrites the same file names. Writing must be
 * repeatable: the same batch id and offsets produce the same files. Throw
 * {@link dev.archiver.RetriableException} for storage outages and {@link dev.archiver.InvalidInputException} for
 * problems no retry fixes.
 *
 * @param <B> the engine's batch type (a Spark {@code Dataset<Row>}, say)
 */
public interface ArchiveSink<B> {
  WrittenBatch write(BatchContext context, B batch);
}
