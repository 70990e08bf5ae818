package io.fleetcontrol.controller;

import com.typesafe.config.Config;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.controller.admin.AuditAdmin;
import io.fleetcontrol.controller.admin.DeviceAdmin;
import io.fleetcontrol.controller.admin.EnrollmentTokenAdmin;
import io.fleetcontrol.controller.admin.ExemptionAdmin;
import io.fleetcontrol.controller.admin.FleetAdmin;
import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.admin.ServerInfoAdmin;
import io.fleetcontrol.controller.agent.AgentEnrollment;
import io.fleetcontrol.controller.agent.AgentLimits;
import io.fleetcontrol.controller.agent.AgentStreams;
import io.fleetcontrol.controller.cluster.EntityRefs;
import io.fleetcontrol.controller.cluster.StreamsAfterNodeLoss;
import io.fleetcontrol.controller.grpc.AdminServiceImpl;
import io.fleetcontrol.controller.grpc.AgentServiceImpl;
import io.fleetcontrol.controller.grpc.ControllerServer;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.controller.readside.AuditTrail;
import io.fleetcontrol.controller.readside.ConnectionRules;
import io.fleetcontrol.controller.readside.DeviceDirectory;
import io.fleetcontrol.controller.readside.DeviceDirectoryProjection;
import io.fleetcontrol.controller.dashboard.DashboardServer;
import io.fleetcontrol.controller.dashboard.DashboardSessions;
import io.fleetcontrol.controller.dashboard.FleetHistory;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.readside.PresenceWriter;
import io.fleetcontrol.controller.readside.ProjectionBacklog;
import io.fleetcontrol.controller.readside.ProjectionLag;
import io.fleetcontrol.controller.rollout.RolloutAdmin;
import io.fleetcontrol.controller.rollout.RolloutRunner;
import io.fleetcontrol.controller.schema.SchemaApplier;
import io.fleetcontrol.controller.schema.SchemaMigrations;
import io.fleetcontrol.controller.security.AdminTokens;
import io.fleetcontrol.controller.security.ControllerSecurity;
import io.fleetcontrol.controller.security.SignedSecrets;
import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.KeyManagerFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.apache.pekko.stream.connectors.cassandra.CassandraSessionSettings;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/** One controller node, started from config; {@link Main} runs it, tests start and stop it. */
public final class FleetController implements AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FleetController.class);
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

  private final ActorSystem<Void> system;
  private final Served served;

  /** What a node serves: gRPC, and the dashboard where it is enabled. */
  private record Served(ControllerServer grpc, Optional<InetSocketAddress> dashboard) {}

  private FleetController(ActorSystem<Void> system, Served served) {
    this.system = system;
    this.served = served;
  }

  /**
   * Starts a node, after {@link ControllerSecurity} accepted the settings (a refusal throws
   * {@link ControllerSecurity.Refused} before anything starts).
   */
  public static FleetController start(Config config) {
    Config resolved = config.resolve();
    AdminTokens admins = AdminTokens.fromConfig(resolved.getConfig("fleet"));
    Optional<KeyManagerFactory> tls = ControllerSecurity.check(resolved, admins);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "fleet", config);
    try {
      return new FleetController(system, wire(system, admins, tls));
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  private static Served wire(ActorSystem<Void> system, AdminTokens admins, Optional<KeyManagerFactory> tls) {
    Config fleet = system.settings().config().getConfig("fleet");
    Clock clock = Clock.systemUTC();
    Duration askTimeout = fleet.getDuration("ask-timeout");
    FleetMetrics metrics = FleetMetrics.get(system);

    CassandraSession session =
        CassandraSessionRegistry.get(system)
            .sessionFor(CassandraSessionSettings.create("pekko.projection.cassandra.session-config"));
    // Before anything else reaches Cassandra: the readiness check starts the journal, and the
    // Cassandra plugin keeps a statement that failed to prepare on a missing table for good. A node
    // that must refuse does so before it joins the cluster.
    prepareSchema(system, session, fleet.getBoolean("dev-mode"), clock);

    PekkoManagement.get(system).start();
    joinCluster(system, fleet.getBoolean("cluster-bootstrap"));
    awaitMemberUp(system);

    Config readSide = fleet.getConfig("read-side");
    DeviceDirectory directory = new DeviceDirectory(session, readSide.getString("keyspace"), clock);
    AuditTrail audit = new AuditTrail(session, readSide.getString("keyspace"));
    SignedSecrets credentials = new SignedSecrets(fleet.getString("device-credential-key"));
    var enrollmentTokens = new EnrollmentTokenAdmin(system, session, readSide.getString("keyspace"), credentials,
        askTimeout, clock);

    var connectionRules = new ConnectionRules(fleet.getDuration("connection.stale-after"),
        fleet.getDuration("connection.offline-after"), readSide.getDuration("presence-keep-alive"));
    var presence = PresenceWriter.start(system, directory, clock, readSide.getDuration("presence-flush-interval"),
        connectionRules.keepAlive(), connectionRules.staleAfter(), nodeName(Cluster.get(system).selfMember().uniqueAddress()));
    presence.onFlushed(metrics::presenceFlushed);
    var fleetView = new FleetView(directory, clock, connectionRules, () -> liveNodes(system),
        readSide.getDuration("refresh-overlap"));
    fleetView.start(system, readSide.getDuration("refresh-interval"), readSide.getDuration("full-reload-interval"));
    DeviceEntity.init(system, presence, metrics.deviceLifecycle(), clock);
    metrics.probeDispatchers(system);
    PolicyCatalog.init(system, clock);
    EnrollmentToken.init(system, clock);
    var entities = EntityRefs.sharded(system);
    seedDefaultPolicy(system, fleet.getString("default-policy-name"), askTimeout);
    // In the background (on an upgraded deployment it reads every exemption once), and before the
    // projection moves exemptions, so a row it moves is never put back where it was.
    directory.fillExemptionQueueOnce(org.apache.pekko.stream.Materializer.matFromSystem(system))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            log.warn("Filling the exemption queue from the exemptions table failed; the next start tries again: {}",
                failure.toString());
          }
          DeviceDirectoryProjection.init(system, directory, audit, new ProjectionLag() {
            @Override
            public void written(String projection, Instant newest) {
              metrics.projected(projection, newest, clock.instant());
            }

            @Override
            public void stopped(String projection) {
              metrics.projectionStopped(projection);
            }
          });
        });
    var rolloutRunner = new RolloutRunner(system, directory, entities, askTimeout,
        fleet.getInt("rollout.assignments-per-second"), metrics);
    PolicyRollouts.init(system, rolloutRunner, clock);
    wakeRollouts(system, askTimeout);

    var limits = AgentLimits.fromConfig(fleet.getConfig("limits"));
    var streams = new AgentStreams(system, credentials, askTimeout, limits, clock, metrics);
    var agents = new AgentServiceImpl(
        new AgentEnrollment(system, credentials, audit, fleet.getString("default-policy-name"), askTimeout, limits, clock,
            metrics),
        streams);
    system.systemActorOf(StreamsAfterNodeLoss.create(streams::announceOpenStreams, removalMargin(system)),
        "streams-after-node-loss", Props.empty());
    var knownDevices = new KnownDevices(directory, KnownDevices.cassandraJournal(session,
        system.settings().config().getConfig("pekko.persistence.cassandra.journal")));
    var pageTokens = new PageTokens(readSide.getString("page-token-secret"));
    var policies = new PolicyAdmin(system, entities, directory, knownDevices, askTimeout);
    var fleetAdmin = new FleetAdmin(fleetView, pageTokens, askTimeout, clock);
    var backlog = new ProjectionBacklog(session, readSide.getString("keyspace"),
        system.settings().config().getString("pekko.persistence.cassandra.journal.keyspace"), tagBucket(system), clock);
    Config dashboard = fleet.getConfig("dashboard");
    var history = new FleetHistory(dashboard.getDuration("history-sample-interval"),
        dashboard.getDuration("history-window"));
    watchTheFleet(system, metrics, fleetAdmin, rolloutRunner, backlog, history, clock);
    var admin = new AdminServiceImpl(admins, new AdminServiceImpl.Facades(
        fleetAdmin,
        new DeviceAdmin(entities, knownDevices, audit, fleetView, askTimeout, clock),
        new ExemptionAdmin(entities, knownDevices, directory, pageTokens, askTimeout, clock),
        new AuditAdmin(audit, pageTokens),
        policies,
        new RolloutAdmin(entities, policies, askTimeout),
        enrollmentTokens,
        ServerInfoAdmin.of(system)));
    ControllerServer server = ControllerServer.start(
        fleet.getString("grpc.interface"), fleet.getInt("grpc.port"), tls, system, agents, admin, metrics);
    Optional<InetSocketAddress> dashboardAddress = Optional.empty();
    if (dashboard.getBoolean("enabled")) {
      var sessions = new DashboardSessions(fleet.getString("device-credential-key"), admins,
          dashboard.getDuration("session-lifetime"), clock);
      dashboardAddress = Optional.of(DashboardServer.start(system, dashboard.getString("interface"),
              dashboard.getInt("port"), tls, admin, sessions, history)
          .toCompletableFuture().orTimeout(30, java.util.concurrent.TimeUnit.SECONDS).join().localAddress());
    }
    return new Served(server, dashboardAddress);
  }

  /**
   * The dev profile (the quickstart, the tests) makes the schema from deploy/cassandra/schema at
   * start; elsewhere the schema is an operator's step (`fleet-controller schema apply`, the
   * Kubernetes Job) and a node refuses to start while a migration is missing, rather than fail at
   * its first write.
   */
  private static void prepareSchema(ActorSystem<?> system, CassandraSession session, boolean devMode, Clock clock) {
    var schema = new SchemaApplier(session, SchemaMigrations.fromConfig(system.settings().config()), clock);
    var ready = devMode
        ? schema.apply(migration -> log.info("Applied schema migration {}", migration))
        : schema.requireApplied();
    try {
      ready.toCompletableFuture().orTimeout(STARTUP_TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof SchemaMigrations.Problem problem) {
        throw problem;
      }
      throw e;
    }
  }

  /**
   * The operators' gauges of the fleet (the summary's counts), of this node's running rollouts and
   * of the cluster's members. The counts are refreshed every few seconds, not at each scrape: a
   * summary of 100,000 devices is a pass over the fleet view.
   */
  private static void watchTheFleet(ActorSystem<?> system, FleetMetrics metrics, FleetAdmin fleet,
      RolloutRunner rollouts, ProjectionBacklog backlog, FleetHistory history, Clock clock) {
    metrics.clusterMembers(() -> {
      var state = Cluster.get(system).state();
      Map<String, Long> byStatus = new HashMap<>();
      byStatus.put("up", java.util.stream.StreamSupport.stream(state.getMembers().spliterator(), false)
          .filter(member -> member.status() == org.apache.pekko.cluster.MemberStatus.up()).count());
      byStatus.put("unreachable", (long) state.getUnreachable().size());
      return byStatus;
    });
    Duration every = system.settings().config().getDuration("fleet.metrics.refresh-interval");
    system.scheduler().scheduleWithFixedDelay(Duration.ZERO, every, () -> {
      // A scheduled task that throws is not run again: the gauges would freeze without a word.
      try {
        metrics.rollouts(rollouts.runningWaves());
        fleet.summary().whenComplete((summary, failure) -> {
          if (summary != null) {
            metrics.fleet(summary);
            history.record(clock.instant(), summary);
          }
        });
        backlog.measure().whenComplete((behind, failure) -> {
          if (behind != null) {
            metrics.readSideBehind(behind);
          }
        });
      } catch (RuntimeException e) {
        log.warn("Counting the fleet for /metrics failed; trying again in {}: {}", every, e.toString());
      }
    }, system.executionContext());
  }

  /** The span of one events-by-tag partition (the Cassandra plugin's bucket-size). */
  private static Duration tagBucket(ActorSystem<?> system) {
    String size = system.settings().config().getString("pekko.persistence.cassandra.events-by-tag.bucket-size");
    return switch (size) {
      case "Day" -> Duration.ofDays(1);
      case "Hour" -> Duration.ofHours(1);
      case "Minute" -> Duration.ofMinutes(1);
      default -> throw new IllegalArgumentException(
          "pekko.persistence.cassandra.events-by-tag.bucket-size is Day, Hour or Minute, not " + size);
    };
  }

  /**
   * The members whose presence rows the fleet view trusts: every one not yet downed or removed. An
   * unreachable member stays trusted until the split-brain resolver downs it (a GC pause must not flip
   * its devices to stale), and one leaving stays trusted while it hands its shards over; the
   * keep-alive bounds how long a row can be wrong meanwhile. By unique address: a node restarted on
   * the same host and port does not vouch for its previous life's rows.
   */
  private static java.util.Set<String> liveNodes(ActorSystem<?> system) {
    var live = new java.util.HashSet<String>();
    for (var member : Cluster.get(system).state().getMembers()) {
      if (member.status() != org.apache.pekko.cluster.MemberStatus.down()
          && member.status() != org.apache.pekko.cluster.MemberStatus.removed()) {
        live.add(nodeName(member.uniqueAddress()));
      }
    }
    return live;
  }

  /** How presence rows name a node: its address and the uid of this incarnation. */
  private static String nodeName(org.apache.pekko.cluster.UniqueAddress node) {
    return node.address() + "#" + node.longUid();
  }

  /** How long sharding waits after a node is removed before placing its shards elsewhere. */
  private static Duration removalMargin(ActorSystem<?> system) {
    return Duration.ofMillis(org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system))
        .downingProvider().downRemovalMargin().toMillis());
  }

  /**
   * Rollout entities start on demand; one that was running when the controller stopped must start
   * now to carry on (its recovery resumes the wave). Every policy's entity is woken once.
   */
  private static void wakeRollouts(ActorSystem<?> system, Duration askTimeout) {
    PolicyCatalog.ref(system)
        .<PolicyCatalog.PolicyList>askWithStatus(PolicyCatalog.ListPolicies::new, askTimeout)
        .thenAccept(list -> list.latest().forEach(policy -> PolicyRollouts.ref(system, policy.name())
            .<PolicyRollouts.Views>askWithStatus(PolicyRollouts.ListAll::new, askTimeout)))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            system.log().warn("Could not wake the rollout entities: {}; running rollouts resume when asked",
                failure.toString());
          }
        });
  }

  /**
   * A fresh deployment gets the starter policy as version 1 of the default policy. Start-up waits
   * for it, so the first enrollment finds it; while a cluster forms, shards move and asks time out,
   * so it is tried again every 2 s within the start-up timeout.
   */
  private static void seedDefaultPolicy(ActorSystem<?> system, String name, Duration askTimeout) {
    seed(system, name, askTimeout, System.nanoTime() + STARTUP_TIMEOUT.toNanos())
        .toCompletableFuture()
        .orTimeout(STARTUP_TIMEOUT.toSeconds() + askTimeout.toSeconds() * 3, java.util.concurrent.TimeUnit.SECONDS)
        .join();
  }

  private static CompletionStage<Policy> seed(ActorSystem<?> system, String name, Duration askTimeout, long deadline) {
    var catalog = PolicyCatalog.ref(system);
    return catalog
        .<Policy>askWithStatus(replyTo -> new PolicyCatalog.GetPolicy(name, 0, replyTo), askTimeout)
        .exceptionallyCompose(missing -> catalog.<Policy>askWithStatus(
            replyTo -> new PolicyCatalog.CreatePolicy(Policy.starter(name, 0), "system", replyTo), askTimeout))
        // Nodes starting together all find it missing; one creates it, the others then find it.
        .exceptionallyCompose(lostTheRace -> catalog.<Policy>askWithStatus(
            replyTo -> new PolicyCatalog.GetPolicy(name, 0, replyTo), askTimeout))
        .exceptionallyCompose(failure -> {
          if (System.nanoTime() > deadline) {
            return java.util.concurrent.CompletableFuture.failedFuture(failure);
          }
          system.log().info("Default policy not confirmed yet ({}); trying again in 2 s", failure.getMessage());
          return org.apache.pekko.pattern.Patterns.after(Duration.ofSeconds(2), system.classicSystem().scheduler(),
              system.executionContext(), () -> seed(system, name, askTimeout, deadline));
        });
  }

  /**
   * Cluster Bootstrap where nodes find each other through discovery (Kubernetes: the API's pod
   * list); else the configured seed nodes; else, with none, the node forms a cluster of its own.
   */
  private static void joinCluster(ActorSystem<?> system, boolean bootstrap) {
    if (bootstrap) {
      org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap.get(system).start();
    } else if (system.settings().config().getStringList("pekko.cluster.seed-nodes").isEmpty()) {
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
    return served.grpc().localAddress();
  }

  /** Where the dashboard listens; empty where fleet.dashboard.enabled is off. */
  public Optional<InetSocketAddress> dashboardAddress() {
    return served.dashboard();
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
