package dev.archiver.spark.job;

import dev.archiver.ArchiverException;
import dev.archiver.Sleeper;
import dev.archiver.config.ArchiverConfig;
import dev.archiver.lease.StoredLease;
import dev.archiver.lease.WriterLease;
import dev.archiver.spark.commit.HadoopLeaseStore;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's writer lease on its output ({@link StoredLease} in {@code <output>/_archiver/lease}): acquired before the
 * query writes anything, renewed on a daemon thread while the job runs, released when it stops cleanly.
 */
final class HeldLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HeldLease.class);

  private final StoredLease lease;
  private final ScheduledExecutorService renewal;

  private HeldLease(StoredLease lease, ScheduledExecutorService renewal) {
    this.lease = lease;
    this.renewal = renewal;
  }

  /** Takes the output's lease; {@code onLost} runs (once) when another driver takes the output over. */
  static HeldLease acquire(ArchiverConfig config, Configuration hadoopConf, Consumer<String> onLost) {
    String output = config.output().path();
    StoredLease lease = new StoredLease(new HadoopLeaseStore(output, hadoopConf), new StoredLease.Settings(output,
        config.output().leaseTimeout(), UUID.randomUUID().toString(), holder()), Clock.systemUTC(),
        System::nanoTime, Sleeper.REAL);
    try {
      lease.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ArchiverException("interrupted while taking the writer lease of " + output, e);
    }
    ScheduledExecutorService renewal = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "archiver-lease");
      t.setDaemon(true);
      return t;
    });
    long every = lease.renewEvery().toMillis();
    renewal.scheduleWithFixedDelay(() -> {
      try {
        lease.renew().ifPresent(why -> {
          renewal.shutdown();
          onLost.accept(why);
        });
      } catch (RuntimeException e) {
        LOG.warn("cannot renew the writer lease of {}: {}", output, ArchiverException.rootMessage(e));
      }
    }, every, every, TimeUnit.MILLISECONDS);
    return new HeldLease(lease, renewal);
  }

  WriterLease lease() {
    return lease;
  }

  @Override
  public void close() {
    renewal.shutdownNow();
    try {
      lease.release();
    } catch (RuntimeException e) {
      LOG.warn("cannot release the writer lease; the next driver waits output.lease-timeout: {}",
          ArchiverException.rootMessage(e));
    }
  }

  private static String holder() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "unknown host";
    }
    return host + " pid " + ProcessHandle.current().pid();
  }
}
