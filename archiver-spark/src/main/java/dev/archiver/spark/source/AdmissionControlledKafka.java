package dev.archiver.spark.source;

import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.connector.metric.CustomMetric;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.connector.read.streaming.MicroBatchStream;
import org.apache.spark.sql.kafka010.KafkaSourceProvider;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * Spark's own Kafka source, with a read limit that can change every batch. Spark reads {@code maxOffsetsPerTrigger}
 * once per query; this thin source delegates everything to Spark's Kafka {@code MicroBatchStream} but passes the
 * back-pressure policy's current limit to each {@code latestOffset(start, limit)} call (Spark's
 * {@code SupportsAdmissionControl}). The alternative, restarting the query at a batch boundary with a new limit,
 * costs seconds per change (query start, Kafka consumer and offset fetches); this costs nothing per batch.
 * Use it as {@code spark.readStream().format(AdmissionControlledKafka.class.getName())} with the Kafka options.
 */
public final class AdmissionControlledKafka implements TableProvider {
  private final KafkaSourceProvider kafka = new KafkaSourceProvider();

  @Override
  public StructType inferSchema(CaseInsensitiveStringMap options) {
    return kafka.inferSchema(options);
  }

  @Override
  public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
    return new AdmissionTable((SupportsRead) kafka.getTable(schema, partitioning, properties));
  }

  private record AdmissionTable(SupportsRead kafkaTable) implements SupportsRead {
    @Override
    public String name() {
      return "archiver-" + kafkaTable.name();
    }

    @Override
    @SuppressWarnings("deprecation")
    public StructType schema() {
      return kafkaTable.schema();
    }

    @Override
    public Set<TableCapability> capabilities() {
      return Set.of(TableCapability.MICRO_BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
      Scan kafkaScan = kafkaTable.newScanBuilder(options).build();
      return () -> new AdmissionScan(kafkaScan);
    }
  }

  private record AdmissionScan(Scan kafkaScan) implements Scan {
    @Override
    public StructType readSchema() {
      return kafkaScan.readSchema();
    }

    @Override
    public String description() {
      return "admission-controlled " + kafkaScan.description();
    }

    @Override
    public MicroBatchStream toMicroBatchStream(String checkpointLocation) {
      return new AdmissionStream(kafkaScan.toMicroBatchStream(checkpointLocation));
    }

    @Override
    public CustomMetric[] supportedCustomMetrics() {
      return kafkaScan.supportedCustomMetrics();
    }
  }
}
