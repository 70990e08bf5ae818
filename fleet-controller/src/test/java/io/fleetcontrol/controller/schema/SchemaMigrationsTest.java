package io.fleetcontrol.controller.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.schema.SchemaMigrations.Migration;
import io.fleetcontrol.controller.schema.SchemaMigrations.Parameters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The rules of deploy/cassandra/schema (its README), checked on the files the build ships. */
class SchemaMigrationsTest {

  private static final Parameters TWO_DATACENTERS =
      new Parameters("j", "s", "r", Parameters.replication("dc2:2, dc1:3"));

  @Test
  void theShippedFilesAreNumberedFromOneWithoutGaps() {
    List<Migration> files = SchemaMigrations.onClasspath();
    assertTrue(files.size() >= 8, "files: " + files);
    for (int i = 0; i < files.size(); i++) {
      assertEquals(i + 1, files.get(i).version(), "file " + files.get(i));
    }
    assertThrows(SchemaMigrations.Problem.class, () -> new SchemaMigrations(
        List.of(files.get(0), files.get(2)), TWO_DATACENTERS), "a gap is refused");
  }

  @Test
  void everyStatementCanRunTwiceAndOnlyAdds() {
    var schema = new SchemaMigrations(SchemaMigrations.onClasspath(), TWO_DATACENTERS);
    int statements = 0;
    for (Migration migration : schema.migrations()) {
      for (String statement : schema.statements(migration)) {
        String upper = statement.toUpperCase(java.util.Locale.ROOT).replaceAll("\\s+", " ");
        assertTrue(upper.startsWith("CREATE KEYSPACE IF NOT EXISTS ") || upper.startsWith("CREATE TABLE IF NOT EXISTS ")
            || upper.startsWith("CREATE CUSTOM INDEX IF NOT EXISTS ") || upper.matches("ALTER TABLE \\S+ ADD IF NOT EXISTS .*"),
            migration + " has a statement that cannot run twice or does not only add: " + statement);
        assertFalse(statement.contains("${"), migration + " left a parameter: " + statement);
        statements++;
      }
    }
    assertTrue(statements > 20, "statements: " + statements);
  }

  @Test
  void keyspacesAreReplicatedPerDatacenter() {
    var schema = new SchemaMigrations(SchemaMigrations.onClasspath(), TWO_DATACENTERS);
    List<String> keyspaces = schema.statements(schema.migrations().get(0)).stream()
        .filter(statement -> statement.startsWith("CREATE KEYSPACE"))
        .collect(Collectors.toList());
    assertEquals(3, keyspaces.size(), keyspaces.toString());
    for (String keyspace : keyspaces) {
      assertTrue(keyspace.contains("{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}"), keyspace);
    }
  }

  @Test
  void theReplicationSettingNamesWhatIsWrong() {
    assertEquals(Map.of("dc1", 3, "dc2", 3), Parameters.replication("dc1:3,dc2:3"));
    for (String bad : List.of("", "dc1", "dc1:0", "dc1:three", "dc1:3,dc1:2", "dc 1:3", "dc1:3;DROP")) {
      var problem = assertThrows(SchemaMigrations.Problem.class, () -> Parameters.replication(bad), bad);
      assertTrue(problem.getMessage().contains("fleet.schema.replication"), problem.getMessage());
    }
    assertThrows(SchemaMigrations.Problem.class, () -> new Parameters("fleet-journal", "s", "r", Map.of("dc1", 1)),
        "a keyspace name with a dash would break the statements");
    assertThrows(SchemaMigrations.Problem.class, () -> new Parameters("Fleet_journal", "s", "r", Map.of("dc1", 1)),
        "CQL folds it to lower case, and the check would never find it");
  }

  @Test
  void parametersComeFromTheControllersSettings() {
    var config = ConfigFactory.parseMap(Map.of("fleet.schema.replication", "eu-west:3"))
        .withFallback(ConfigFactory.load()).resolve();
    var parameters = Parameters.fromConfig(config);
    assertEquals(new Parameters("fleet_journal", "fleet_snapshot", "fleet_read", Map.of("eu-west", 3)), parameters);

    var laptop = ConfigFactory.parseMap(Map.of("datastax-java-driver.basic.load-balancing-policy.local-datacenter", "dc9"))
        .withFallback(ConfigFactory.load()).resolve();
    assertEquals(Map.of("dc9", 1), Parameters.fromConfig(laptop).replicasPerDatacenter(),
        "unset: one replica in the driver's local datacenter");

    var split = ConfigFactory.parseMap(Map.of("pekko.projection.cassandra.offset-store.keyspace", "elsewhere"))
        .withFallback(ConfigFactory.load()).resolve();
    var problem = assertThrows(SchemaMigrations.Problem.class, () -> Parameters.fromConfig(split));
    assertTrue(problem.getMessage().contains("offset-store.keyspace"), problem.getMessage());
  }

  @Test
  void anUnknownParameterIsRefused() {
    var schema = new SchemaMigrations(List.of(new Migration(1, "typo", "CREATE TABLE IF NOT EXISTS ${read_keyspce}.t (a int PRIMARY KEY);")),
        TWO_DATACENTERS);
    var problem = assertThrows(SchemaMigrations.Problem.class, () -> schema.statements(schema.migrations().get(0)));
    assertTrue(problem.getMessage().contains("read_keyspce"), problem.getMessage());
  }

  @Test
  void pendingAreThoseNotRecordedAndAnEditedMigrationIsRefused() {
    var schema = new SchemaMigrations(SchemaMigrations.onClasspath(), TWO_DATACENTERS);
    List<Migration> all = schema.migrations();
    assertEquals(all, schema.pending(Map.of()));

    Map<Integer, String> recorded = new HashMap<>();
    recorded.put(1, all.get(0).checksum());
    recorded.put(2, all.get(1).checksum());
    recorded.put(999, "a newer release's migration");
    assertEquals(all.subList(2, all.size()), schema.pending(recorded), "a newer release's migration is fine");

    recorded.put(2, all.get(0).checksum());
    var problem = assertThrows(SchemaMigrations.Problem.class, () -> schema.pending(recorded));
    assertTrue(problem.getMessage().contains(all.get(1).toString()), problem.getMessage());
  }
}
