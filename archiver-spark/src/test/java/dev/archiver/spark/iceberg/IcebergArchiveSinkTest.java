package dev.archiver.spark.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.data.GenericRecord;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.Test;

class IcebergArchiveSinkTest {
  private static final Schema SCHEMA = new Schema(Types.NestedField.optional(1, "ts", Types.TimestampType.withZone()),
      Types.NestedField.optional(2, "id", Types.StringType.get()));

  @Test
  void partitionsAreNamedAsTheManifestContractNamesThem() {
    PartitionSpec byDay = PartitionSpec.builderFor(SCHEMA).day("ts", "event_date").build();
    PartitionSpec byHour = PartitionSpec.builderFor(SCHEMA).hour("ts", "event_hour").build();
    PartitionSpec byId = PartitionSpec.builderFor(SCHEMA).identity("id").build();
    // 2026-11-25 is day 20782 after the epoch.
    assertThat(IcebergArchiveSink.partition(byDay, values(byDay, 20782))).contains("event_date=2026-11-25");
    assertThat(IcebergArchiveSink.partition(byHour, values(byHour, 20782 * 24 + 7)))
        .contains("event_date=2026-11-25/event_hour=07");
    assertThat(IcebergArchiveSink.partition(byDay, values(byDay, null))).as("a null event time").isEmpty();
    assertThat(IcebergArchiveSink.partition(byId, values(byId, "x"))).as("a table partitioned otherwise").isEmpty();
  }

  private static GenericRecord values(PartitionSpec spec, Object value) {
    GenericRecord record = GenericRecord.create(spec.partitionType());
    record.set(0, value);
    return record;
  }
}
