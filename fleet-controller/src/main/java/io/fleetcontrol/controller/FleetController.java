package io.fleetcontrol.controller;

import com.typesafe.config.Config;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policyregistry.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/** One controller node, started from config; {@link Main} runs it, tests start and stop it. */
public final class FleetController implements AutoCloseable {

  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;

  private FleetController(ActorSystem<Void> system, ServerBinding binding) {
    this.system = system;
    this.binding = binding;
  }

  public static FleetController start(Config config) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleet", config);
    try {
      return new FleetController(system, wire(system));
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  private static ServerBinding wire(ActorSystem<Void> system) {
    Config fleet = system.settings().config().getConfig("fleet");
    Clock clock = Clock.systemUTC();
    Duration askTimeout = fleet.getDuration("ask-timeout");

    joinSelfWhenNoSeedNodes(system);
    PekkoManagement.get(system).start();
    awaitMemberUp(system);

    CassandraSession session =
        CassandraSessionRegistry.get(system)
            .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"));
    Config readSide = fleet.getConfig("read-side");
    DeviceDirectory directory = new DeviceDirectory(session, readSide.getString("keyspace"), clock);
    AuditTrail audit = new AuditTrail(session, readSide.getString("keyspace"));
    directory.createTables(readSide.getInt("replication-factor"))
        .thenCompose(done -> audit.createTables())
        .thenCompose(done -> CassandraProjection.createTablesIfNotExists(system))
        .toCompletableFuture()
        .orTimeout(STARTUP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
        .join();

    var presence = PresenceWriter.start(system, directory, readSide.getDuration("presence-flush-interval"));
    var fleetView = new FleetView(directory, clock, fleet.getDuration("connection.stale-after"),
        fleet.getDuration("connection.offline-after"), readSide.getDuration("refresh-overlap"));
    fleetView.start(system, readSide.getDuration("refresh-interval"), readSide.getDuration("full-reload-interval"));
    DeviceEntity.init(system, presence, clock);
    PolicyCatalog.init(system, clock);
    seedDefaultPolicy(system, fleet.getString("default-policy-name"), askTimeout);
    DeviceDirectoryProjection.init(system, directory, audit);
    PolicyRollouts.init(system,
        new RolloutRunner(system, directory, askTimeout, fleet.getInt("rollout.assignments-per-second")), clock);
    wakeRollouts(system, askTimeout);

    var agents =
        new AgentServiceImpl(
            system,
            fleet.getStringList("enrollment-tokens"),
            fleet.getString("default-policy-name"),
            askTimeout,
            clock);
    var admin =
        new AdminServiceImpl(
            system,
            AdminTokens.fromConfig(fleet.getConfig("admin-tokens")),
            directory,
            fleetView,
            audit,
            new PageTokens(readSide.getString("page-token-secret")),
            askTimeout,
            clock);
    return ControllerServer.start(
            fleet.getString("grpc.interface"), fleet.getInt("grpc.port"), system, agents, admin)
        .toCompletableFuture()
        .orTimeout(STARTUP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
        .join();
  }

  /**
   * Rollout entities start on demand; one that was running when the controller stopped must start
   * now to carry on (its recovery resumes the wave). Every policy's entity is woken once.
   */
  private static void wakeRollouts(ActorSystem<?> system, Duration askTimeout) {
    PolicyCatalog.ref(system)
        .<PolicyCatalog.PolicyList>askWithStatus(PolicyCatalog.ListPolicies::new, askTimeout)
        .thenAccept(list -> list.latest().forEach(policy -> PolicyRollouts.ref(system, policy.name())
            .<java.util.List<PolicyRollouts.View>>askWithStatus(PolicyRollouts.ListAll::new, askTimeout)))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            system.log().warn("Could not wake the rollout entities: {}; running rollouts resume when asked",
                failure.toString());
          }
        });
  }

  /** A fresh deployment gets the starter policy as version 1 of the default policy. */
  private static void seedDefaultPolicy(ActorSystem<?> system, String name, Duration askTimeout) {
    PolicyCatalog.ref(system)
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.GetPolicy(name, 0, replyTo), askTimeout)
        .exceptionallyCompose(missing -> PolicyCatalog.ref(system).<Policy>askWithStatus(
            replyTo -> new PolicyCatalog.CreatePolicy(Policy.starter(name, 0), "system", replyTo), askTimeout))
        .toCompletableFuture()
        .orTimeout(STARTUP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
        .join();
  }

  /** A node with no seed nodes configured forms a cluster of its own; others can join it later. */
  private static void joinSelfWhenNoSeedNodes(ActorSystem<?> system) {
    if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
      Cluster cluster = Cluster.get(system);
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  /** Sharding only places entities once this node is Up; callers of start() expect a working node. */
  private static void awaitMemberUp(ActorSystem<?> system) {
    Cluster cluster = Cluster.get(system);
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (cluster.selfMember().status() != MemberStatus.up()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("this node did not become Up in the cluster within " + STARTUP_TIMEOUT);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while joining the cluster", e);
      }
    }
  }

  public InetSocketAddress grpcAddress() {
    return binding.localAddress();
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Runs coordinated shutdown: unbinds, hands shards off, closes Cassandra sessions. */
  @Override
  public void close() {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
  }
}
