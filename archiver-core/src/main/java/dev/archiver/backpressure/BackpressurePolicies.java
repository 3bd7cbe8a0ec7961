package dev.archiver.backpressure;

import dev.archiver.InvalidInputException;
import dev.archiver.config.ArchiverConfig;

/** Chooses the policy named by {@code backpressure.policy}. */
public final class BackpressurePolicies {
  private BackpressurePolicies() {
  }

  public static BackpressurePolicy fromConfig(ArchiverConfig.Backpressure config) {
    return switch (config.policy()) {
      case "fixed" -> new FixedPolicy(config.maxRecordsPerBatch());
      case AdaptivePolicy.NAME -> AdaptivePolicy.of(config);
      default -> throw new InvalidInputException("backpressure.policy: unknown policy '" + config.policy()
          + "'; use fixed or adaptive");
    };
  }
}
