package io.fleetcontrol.it;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who wrote each entity's journal, read straight from Cassandra: the proof that an entity never ran
 * twice. The writer id is the journal plugin's, new in every controller process (and when the plugin
 * itself restarts); an entity that moves to another node writes there after the last event it had here.
 * So, in sequence order, a writer that gave way never comes back, and no
 * sequence number is written twice (the table's key holds a timestamp too, so a second write of the
 * same number is a second row, not an overwrite).
 */
final class JournalWriters {

  /**
   * @param events journal rows read
   * @param entities persistence ids with at least one row
   * @param problems one line per entity that ran twice: a number written twice, or a writer that came back
   */
  record Report(int events, int entities, List<String> problems) {}

  private JournalWriters() {}

  static Report read(int cqlPort) {
    try (CqlSession session = CqlSession.builder()
        .withConfigLoader(DriverConfigLoader.fromMap(scanSettings()))
        .addContactPoint(new InetSocketAddress("127.0.0.1", cqlPort))
        .withLocalDatacenter("datacenter1")
        .build()) {
      // persistence id -> sequence nr -> writers of that number, in the order the rows come
      Map<String, TreeMap<Long, List<String>>> byEntity = new HashMap<>();
      int events = 0;
      for (Row row : session.execute(SimpleStatement.newInstance(
          "SELECT persistence_id, sequence_nr, writer_uuid FROM fleet_journal.messages").setPageSize(5000))) {
        byEntity.computeIfAbsent(row.getString(0), id -> new TreeMap<>())
            .computeIfAbsent(row.getLong(1), nr -> new ArrayList<>()).add(row.getString(2));
        events++;
      }
      List<String> problems = new ArrayList<>();
      byEntity.forEach((id, numbers) -> problem(id, numbers).ifPresent(problems::add));
      return new Report(events, byEntity.size(), problems);
    }
  }

  /** The driver's defaults alone (the classpath's name the tests' Cassandra), with time for a whole-table scan. */
  private static OptionsMap scanSettings() {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(com.datastax.oss.driver.api.core.config.TypedDriverOption.REQUEST_TIMEOUT, java.time.Duration.ofSeconds(30));
    return options;
  }

  private static java.util.Optional<String> problem(String id, TreeMap<Long, List<String>> numbers) {
    List<String> gaveWay = new ArrayList<>();
    String current = null;
    for (var number : numbers.entrySet()) {
      if (number.getValue().size() > 1) {
        return java.util.Optional.of(id + ": sequence number " + number.getKey() + " written "
            + number.getValue().size() + " times, by " + number.getValue());
      }
      String writer = number.getValue().get(0);
      if (!writer.equals(current)) {
        if (gaveWay.contains(writer)) {
          return java.util.Optional.of(id + ": writer " + writer + " came back at " + number.getKey()
              + " after " + current + " had taken over");
        }
        if (current != null) {
          gaveWay.add(current);
        }
        current = writer;
      }
    }
    return java.util.Optional.empty();
  }
}
