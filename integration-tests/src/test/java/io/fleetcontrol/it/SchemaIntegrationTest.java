package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.controller.FleetController;
import io.fleetcontrol.controller.schema.SchemaApplier;
import io.fleetcontrol.controller.schema.SchemaMigrations;
import io.fleetcontrol.controller.schema.SchemaTool;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.cassandra.KeyspaceAndTableStatements;
import org.apache.pekko.persistence.cassandra.PluginSettings;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema as production makes it: a controller outside dev mode refuses an empty Cassandra, the
 * Kubernetes Job's command applies deploy/cassandra/schema, and the controller then runs a fleet on
 * exactly the tables the files name. The plugins' tables in the files match the plugins' own.
 */
class SchemaIntegrationTest {

  private static final String ADMIN_TOKEN = "schema-test-admin-token-not-a-dev-one";
  private static final Pattern TABLE = Pattern.compile("(?i)CREATE TABLE IF NOT EXISTS \\$\\{(\\w+)}\\.(\\w+)");
  private static final LocalCassandra cassandra = new LocalCassandra();
  private static ActorSystem<Void> clientSystem;

  @BeforeAll
  static void start() {
    cassandra.startFresh();
    clientSystem = ActorSystem.create(Behaviors.empty(), "schema-test",
        ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local")).withFallback(ConfigFactory.load()));
  }

  @AfterAll
  static void stop() {
    if (clientSystem != null) {
      clientSystem.terminate();
    }
  }

  @Test
  void aControllerOutsideDevModeRunsOnTheSchemaFilesAlone() throws Exception {
    int grpcPort = FleetHarness.freePort();
    Config production = productionConfig(grpcPort);

    var refused = assertThrows(SchemaMigrations.Problem.class, () -> FleetController.start(production));
    assertTrue(refused.getMessage().contains("001-keyspaces") && refused.getMessage().contains("008-devices-live-on")
        && refused.getMessage().contains("schema apply"), refused.getMessage());

    var status = run("status", production);
    assertEquals(1, status.code(), status.out());
    assertTrue(status.out().contains("pending  005-read-side"), status.out());

    var apply = run("apply", production);
    assertEquals(0, apply.code(), apply.err());
    assertTrue(apply.out().contains("applied 001-keyspaces") && apply.out().contains("applied 008-devices-live-on"),
        apply.out());
    assertEquals(0, run("apply", production).code(), "applying again changes nothing");
    status = run("status", production);
    assertEquals(0, status.code(), status.out());
    assertTrue(!status.out().contains("pending"), status.out());

    try (FleetController controller = FleetController.start(production)) {
      AdminServiceClient admin = AdminServiceClient.create(TestTls.client(grpcPort, clientSystem), clientSystem);
      String token = FleetHarness.createEnrollmentToken(admin, ADMIN_TOKEN, 10);
      AgentSettings base = AgentSettings.fromConfig(clientSystem.settings().config())
          .withController(TestTls.controller(grpcPort))
          .withEnrollmentToken(token);
      FleetSimulator fleet = FleetSimulator.start(clientSystem,
          SimulatorSettings.fromConfig(clientSystem.settings().config()).withBase(base).withFlakyFraction(0), 3);
      try {
        Eventually.within(Duration.ofMinutes(2), () -> assertEquals(3, admin.getFleetSummary()
            .addHeader("authorization", "Bearer " + ADMIN_TOKEN)
            .invoke(GetFleetSummaryRequest.getDefaultInstance())
            .toCompletableFuture().get(30, TimeUnit.SECONDS).getOnline(), "devices online in the read side"));
      } finally {
        fleet.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }

      // Nothing but the files made a table: auto-creation is off.
      CassandraSession session = session(controller.system());
      Set<String> expected = tablesNamedInTheFiles(Map.of("journal_keyspace", "fleet_journal",
          "snapshot_keyspace", "fleet_snapshot", "read_keyspace", "fleet_read"));
      assertEquals(expected, tablesIn(session, Set.of("fleet_journal", "fleet_snapshot", "fleet_read")));
      var strategy = session.selectOne("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?",
          "fleet_journal").toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow().getMap("replication",
          String.class, String.class);
      assertEquals("org.apache.cassandra.locator.NetworkTopologyStrategy", strategy.get("class"));
      assertEquals("1", strategy.get("datacenter1"));
    }
  }

  /**
   * The journal, snapshot and offset tables of the files against those the plugins create
   * themselves (in keyspaces of this test's own): same columns, types and keys.
   */
  @Test
  void thePluginsTablesMatchThePluginsOwn() throws Exception {
    Config plugins = ConfigFactory.parseMap(Map.of(
            "pekko.actor.provider", "local",
            "datastax-java-driver.basic.contact-points", List.of(cassandra.contactPoint()),
            "pekko.persistence.cassandra.journal.keyspace", "plugin_journal",
            "pekko.persistence.cassandra.snapshot.keyspace", "plugin_snapshot",
            "pekko.projection.cassandra.offset-store.keyspace", "plugin_read",
            "fleet.read-side.keyspace", "plugin_read"))
        .withFallback(ConfigFactory.load("dev")).resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "plugin-schema", plugins);
    try {
      CassandraSession session = session(system);
      var statements = new KeyspaceAndTableStatements(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system),
          "pekko.persistence.cassandra", PluginSettings.apply(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)));
      for (String ddl : concat(List.of(statements.createJournalKeyspaceStatement()),
          statements.getCreateJournalTablesStatements(), List.of(statements.createSnapshotKeyspaceStatement()),
          statements.getCreateSnapshotTablesStatements())) {
        session.executeDDL(ddl).toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
      session.executeDDL("CREATE KEYSPACE IF NOT EXISTS plugin_read WITH replication = "
          + "{'class': 'SimpleStrategy', 'replication_factor': 1}").toCompletableFuture().get(60, TimeUnit.SECONDS);
      CassandraProjection.createTablesIfNotExists(system).toCompletableFuture().get(60, TimeUnit.SECONDS);
      // The files in keyspaces of their own, so the other test still finds an empty Cassandra.
      var files = new SchemaMigrations.Parameters("files_journal", "files_snapshot", "files_read", Map.of("datacenter1", 1));
      new SchemaApplier(session, new SchemaMigrations(SchemaMigrations.read(LocalCassandra.findRepoRoot()
          .resolve("deploy/cassandra/schema")), files), java.time.Clock.systemUTC())
          .apply(migration -> { }).toCompletableFuture().get(120, TimeUnit.SECONDS);

      Map<String, String> ours = Map.of("journal_keyspace", "files_journal", "snapshot_keyspace", "files_snapshot",
          "read_keyspace", "files_read");
      Map<String, String> theirs = Map.of("journal_keyspace", "plugin_journal", "snapshot_keyspace",
          "plugin_snapshot", "read_keyspace", "plugin_read");
      Set<String> pluginTables = Set.of("messages", "tag_views", "tag_write_progress", "tag_scanning", "metadata",
          "all_persistence_ids", "snapshots", "offset_store", "projection_management");
      int compared = 0;
      for (var table : tableKeyspaces().entrySet()) {
        if (!pluginTables.contains(table.getKey())) {
          continue;
        }
        String param = table.getValue();
        assertEquals(columns(session, theirs.get(param), table.getKey()), columns(session, ours.get(param),
            table.getKey()), "columns of " + table.getKey());
        compared++;
      }
      assertEquals(pluginTables.size(), compared, "every table of the plugins is in the files");
    } finally {
      system.terminate();
    }
  }

  private static Config productionConfig(int grpcPort) throws Exception {
    String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
        .digest(ADMIN_TOKEN.getBytes(StandardCharsets.UTF_8)));
    return ConfigFactory.parseMap(Map.of(
            "fleet.dev-mode", false,
            "fleet.admin-tokens-inline", "schema-test:admin:" + hash,
            "fleet.device-credential-key", "schema-test-device-credential-key-0123456789",
            "fleet.read-side.page-token-secret", "schema-test-page-token-secret-0123456789",
            "fleet.grpc.port", grpcPort,
            "pekko.remote.artery.canonical.port", FleetHarness.freePort(),
            "pekko.management.http.port", FleetHarness.freePort(),
            "fleet.dashboard.port", 0,
            "datastax-java-driver.basic.contact-points", List.of(cassandra.contactPoint())))
        .withFallback(ConfigFactory.parseMap(TestTls.controllerSettings()))
        .withFallback(ConfigFactory.load());
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String command, Config config) {
    var out = new ByteArrayOutputStream();
    var err = new ByteArrayOutputStream();
    int code = SchemaTool.run(List.of(command), config, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static CassandraSession session(ActorSystem<?> system) {
    return CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"));
  }

  /** Table name to the keyspace parameter it is created in, from every CREATE TABLE of the files. */
  private static Map<String, String> tableKeyspaces() {
    Map<String, String> tables = new TreeMap<>();
    for (var migration : SchemaMigrations.read(LocalCassandra.findRepoRoot().resolve("deploy/cassandra/schema"))) {
      var table = TABLE.matcher(migration.text());
      while (table.find()) {
        tables.put(table.group(2), table.group(1));
      }
    }
    return tables;
  }

  private static Set<String> tablesNamedInTheFiles(Map<String, String> keyspaces) {
    return tableKeyspaces().entrySet().stream()
        .map(e -> keyspaces.get(e.getValue()) + "." + e.getKey())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> tablesIn(CassandraSession session, Set<String> keyspaces) throws Exception {
    Set<String> tables = new TreeSet<>();
    for (String keyspace : keyspaces) {
      session.selectAll("SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?", keyspace)
          .toCompletableFuture().get(30, TimeUnit.SECONDS)
          .forEach(row -> tables.add(keyspace + "." + row.getString("table_name")));
    }
    return tables;
  }

  /** "name type kind position order" per column, sorted. */
  private static Set<String> columns(CassandraSession session, String keyspace, String table) throws Exception {
    return session.selectAll("SELECT column_name, type, kind, position, clustering_order FROM system_schema.columns "
            + "WHERE keyspace_name = ? AND table_name = ?", keyspace, table)
        .toCompletableFuture().get(30, TimeUnit.SECONDS).stream()
        .map(row -> row.getString("column_name") + " " + row.getString("type") + " " + row.getString("kind") + " "
            + row.getInt("position") + " " + row.getString("clustering_order"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
  }
}
