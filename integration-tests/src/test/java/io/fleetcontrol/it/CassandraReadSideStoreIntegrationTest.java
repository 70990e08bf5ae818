package io.fleetcontrol.it;

import io.fleetcontrol.controller.readside.AuditTrail;
import io.fleetcontrol.controller.readside.DeviceDirectory;
import io.fleetcontrol.controller.readside.ReadSideStoreContract;
import io.fleetcontrol.controller.readside.TestClock;
import io.fleetcontrol.controller.schema.SchemaApplier;
import io.fleetcontrol.controller.schema.SchemaMigrations;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The read-side store contract against the Cassandra stores production runs ({@link DeviceDirectory},
 * {@link AuditTrail}), on the real Cassandra the harness starts, in a keyspace of their own.
 */
class CassandraReadSideStoreIntegrationTest extends ReadSideStoreContract {

  private static final String KEYSPACE = "read_side_contract";
  private static FleetHarness harness;
  private static CassandraSession session;

  @BeforeAll
  static void startCassandra() throws Exception {
    harness = new FleetHarness();
    session = CassandraSessionRegistry.get(harness.controllerSystem())
        .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"));
    // The schema files, as production makes them, in keyspaces of this test's own.
    var parameters = new SchemaMigrations.Parameters(KEYSPACE + "_journal", KEYSPACE + "_snapshot", KEYSPACE,
        java.util.Map.of("datacenter1", 1));
    new SchemaApplier(session, new SchemaMigrations(SchemaMigrations.read(LocalCassandra.findRepoRoot()
        .resolve("deploy/cassandra/schema")), parameters), Clock.systemUTC())
        .apply(migration -> { })
        .toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (harness != null) {
      harness.close();
    }
  }

  @Override
  protected Stores stores(TestClock clock) {
    DeviceDirectory directory = new DeviceDirectory(session, KEYSPACE, clock);
    return new Stores(directory, directory, new AuditTrail(session, KEYSPACE));
  }
}
