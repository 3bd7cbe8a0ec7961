package dev.archiver.lease;

import java.time.Instant;

/**
 * One writer's claim on an output, stored as its own object: the highest epoch present is the output's writer.
 *
 * @param writerId random per driver start, so a restarted driver never mistakes an older claim for its own
 * @param holder where the writer runs (host and pid), for the message another driver prints when it is refused
 */
public record LeaseClaim(long epoch, String writerId, String holder, Instant claimedAt) {
}
