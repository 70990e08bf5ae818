package io.fleetcontrol.it;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes and reads Cassandra has applied per table, from its own counters
 * ({@code system_views.local_write_latency} and {@code local_read_latency}): what the benchmarks
 * report per device. A batch of rows in one partition counts as one write, as Cassandra applies it.
 */
final class CassandraTableCounts {

  /** Writes and reads per "keyspace.table". */
  record Counts(Map<String, long[]> byTable) {

    /** What happened between {@code earlier} and this. */
    Counts since(Counts earlier) {
      Map<String, long[]> diff = new TreeMap<>();
      byTable.forEach((table, now) -> {
        long[] then = earlier.byTable.getOrDefault(table, new long[2]);
        long writes = now[0] - then[0];
        long reads = now[1] - then[1];
        if (writes != 0 || reads != 0) {
          diff.put(table, new long[] {writes, reads});
        }
      });
      return new Counts(diff);
    }

    /** Sum over the tables of keyspaces named {@code prefix}*: index 0 writes, 1 reads. */
    long[] total(String prefix) {
      long[] sum = new long[2];
      byTable.forEach((table, counts) -> {
        if (table.startsWith(prefix)) {
          sum[0] += counts[0];
          sum[1] += counts[1];
        }
      });
      return sum;
    }

    /** One line per table: writes and reads per device. */
    String perDevice(long devices) {
      StringBuilder out = new StringBuilder();
      byTable.forEach((table, counts) -> out.append(String.format(java.util.Locale.ROOT,
          "%-45s writes %8d (%.2f/device)  reads %8d (%.2f/device)%n", table, counts[0],
          counts[0] / (double) devices, counts[1], counts[1] / (double) devices)));
      return out.toString();
    }
  }

  private CassandraTableCounts() {}

  static Counts read(int cqlPort) {
    try (CqlSession session = CqlSession.builder()
        // The driver's defaults alone: the classpath's settings name the tests' own Cassandra.
        .withConfigLoader(com.datastax.oss.driver.api.core.config.DriverConfigLoader.fromMap(
            com.datastax.oss.driver.api.core.config.OptionsMap.driverDefaults()))
        .addContactPoint(new InetSocketAddress("127.0.0.1", cqlPort))
        .withLocalDatacenter("datacenter1")
        .build()) {
      Map<String, long[]> byTable = new TreeMap<>();
      for (Row row : session.execute("SELECT keyspace_name, table_name, count FROM system_views.local_write_latency")) {
        byTable.computeIfAbsent(row.getString(0) + "." + row.getString(1), t -> new long[2])[0] = row.getLong(2);
      }
      for (Row row : session.execute("SELECT keyspace_name, table_name, count FROM system_views.local_read_latency")) {
        byTable.computeIfAbsent(row.getString(0) + "." + row.getString(1), t -> new long[2])[1] = row.getLong(2);
      }
      return new Counts(byTable);
    }
  }
}
