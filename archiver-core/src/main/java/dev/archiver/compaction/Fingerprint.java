package dev.archiver.compaction;

/**
 * An order-independent digest of a set of rows' Kafka coordinates ({@code _kafka_topic}, {@code _kafka_partition},
 * {@code _kafka_offset}): the row count and the sum of a 64-bit mix of each coordinate. A compaction publishes only
 * when the rows it read and the rows its new files hold give the same fingerprint: a lost, duplicated or altered
 * coordinate changes the sum with overwhelming probability, without holding a set of every offset in memory.
 */
public record Fingerprint(long rows, long sum) {
  public static final Fingerprint EMPTY = new Fingerprint(0, 0);

  public Fingerprint add(String topic, int partition, long offset) {
    long h = mix(topic == null ? 0 : topic.hashCode());
    h = mix(h ^ partition);
    h = mix(h ^ offset);
    return new Fingerprint(rows + 1, sum + h);
  }

  public Fingerprint plus(Fingerprint other) {
    return new Fingerprint(rows + other.rows, sum + other.sum);
  }

  /** SplitMix64's finaliser: every input bit reaches every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
