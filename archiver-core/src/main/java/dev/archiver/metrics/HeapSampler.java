package dev.archiver.metrics;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Samples the JVM heap in the background and keeps the peak since the last {@link #takePeak()}. Two readings:
 * the heap in use (garbage included, what an operator's dashboard shows) and the live heap after the latest
 * collection of each pool, the memory a batch really holds, which the adaptive policy compares to its budget.
 */
public final class HeapSampler implements AutoCloseable {
  /** Peaks since the last take, in bytes. */
  public record Peak(long usedBytes, long liveBytes, long maxBytes) {
  }

  private final List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP).toList();
  private final AtomicLong peakUsed = new AtomicLong();
  private final AtomicLong peakLive = new AtomicLong();
  private final Thread thread;

  public HeapSampler(Duration interval) {
    thread = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        sample();
        try {
          Thread.sleep(interval.toMillis());
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "archiver-heap-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** The peaks since the previous call, which start again from the current reading. */
  public Peak takePeak() {
    sample();
    long max = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    return new Peak(peakUsed.getAndSet(0), peakLive.getAndSet(0), max);
  }

  private void sample() {
    long used = 0;
    long live = 0;
    for (MemoryPoolMXBean pool : heapPools) {
      used += pool.getUsage().getUsed();
      MemoryUsage afterGc = pool.getCollectionUsage();
      live += afterGc != null ? afterGc.getUsed() : pool.getUsage().getUsed();
    }
    long u = used;
    long l = live;
    peakUsed.accumulateAndGet(u, Math::max);
    peakLive.accumulateAndGet(l, Math::max);
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
