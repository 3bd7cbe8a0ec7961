package dev.archiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HeapSamplerTest {
  @Test
  void heapSamplerReportsAPeakWithinTheMaxHeap() {
    try (HeapSampler sampler = new HeapSampler(Duration.ofMillis(5))) {
      HeapSampler.Peak peak = sampler.takePeak();
      assertThat(peak.usedBytes()).isPositive().isLessThanOrEqualTo(peak.maxBytes());
      assertThat(peak.liveBytes()).isPositive();
    }
  }
}
