package dev.archiver.commit;

import java.time.Instant;

/** The earliest and latest event time of the records a batch archived. */
public record EventTimeRange(Instant min, Instant max) {
}
