package dev.archiver.backpressure;

import dev.archiver.InvalidInputException;
import dev.archiver.config.ArchiverConfig;

/** Chooses the policy named by {@code backpressure.policy}, capped by {@code backpressure.max-bytes-per-batch}. */
public final class BackpressurePolicies {
  private BackpressurePolicies() {
  }

  public static BackpressurePolicy fromConfig(ArchiverConfig.Backpressure config) {
    BackpressurePolicy policy = byName(config);
    return config.maxBytesPerBatch().<BackpressurePolicy>map(max -> new ByteBoundPolicy(policy, max))
        .orElse(policy);
  }

  private static BackpressurePolicy byName(ArchiverConfig.Backpressure config) {
    return switch (config.policy()) {
      case "fixed" -> new FixedPolicy(config.maxRecordsPerBatch());
      case AdaptivePolicy.NAME -> AdaptivePolicy.of(config);
      default -> throw new InvalidInputException("backpressure.policy: unknown policy '" + config.policy()
          + "'; use fixed or adaptive");
    };
  }
}
