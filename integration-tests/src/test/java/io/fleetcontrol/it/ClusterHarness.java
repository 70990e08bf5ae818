package io.fleetcontrol.it;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.link.ControllerAddress;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Three controller nodes, each its own JVM (so one can be killed with SIGKILL), on the real
 * Cassandra, plus a client-side actor system for agents and admin calls. Nodes run
 * {@code io.fleetcontrol.controller.Main} on this JVM's classpath; logs go to
 * {@code target/it-run/cluster/node-N.log}.
 */
final class ClusterHarness implements AutoCloseable {

  static final int NODES = 3;

  final LocalCassandra cassandra = new LocalCassandra();
  final ActorSystem<Void> clientSystem;
  private final int[] grpcPorts = new int[NODES];
  private final int[] remotePorts = new int[NODES];
  private final int[] managementPorts = new int[NODES];
  private final Process[] nodes = new Process[NODES];
  private final AdminServiceClient[] admins = new AdminServiceClient[NODES];
  private final Path logDir;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  ClusterHarness() {
    // Nine distinct ports: every socket stays open until all are picked, so none is handed out twice.
    List<java.net.ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < NODES * 3; i++) {
        held.add(new java.net.ServerSocket(0));
      }
      for (int i = 0; i < NODES; i++) {
        grpcPorts[i] = held.get(i).getLocalPort();
        remotePorts[i] = held.get(NODES + i).getLocalPort();
        managementPorts[i] = held.get(2 * NODES + i).getLocalPort();
      }
      for (java.net.ServerSocket socket : held) {
        socket.close();
      }
    } catch (IOException e) {
      throw new IllegalStateException("no free ports", e);
    }
    logDir = LocalCassandra.findRepoRoot().resolve("integration-tests/target/it-run/cluster");
    cassandra.startFresh();
    clientSystem = ActorSystem.create(Behaviors.empty(), "agents",
        ConfigFactory.parseMap(Map.of("pekko.actor.provider", "local")).withFallback(ConfigFactory.load()));
  }

  /** Starts node {@code n} (0-based); {@link #awaitReady} waits for it. */
  void start(int n) {
    try {
      Files.createDirectories(logDir);
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          // Small and quick to start for the test's 300 agents; the benchmark gives more (cluster.node-heap).
          "-Xmx" + System.getProperty("cluster.node-heap", "384m"), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"),
          // The test classpath holds the agent's logback.xml too; log as a deployed controller does.
          "-Dlogback.configurationFile=" + LocalCassandra.findRepoRoot()
              .resolve("fleet-controller/src/main/resources/logback.xml"),
          "-Dconfig.resource=dev.conf",
          "-Dfleet.grpc.port=" + grpcPorts[n],
          "-Dpekko.remote.artery.canonical.port=" + remotePorts[n],
          "-Dpekko.management.http.port=" + managementPorts[n],
          "-Dfleet.dashboard.port=0",
          "-Ddatastax-java-driver.basic.contact-points.0=" + cassandra.contactPoint(),
          // The read side counts a device its live node vouches for as heard within stale-after, so the
          // recovery measured through it (heard since the kill) is never under stale-after; with
          // heartbeats every 10 s, 15 s leaves the jitter 5 s.
          "-Dfleet.connection.stale-after=15s",
          "-Dfleet.connection.offline-after=60s"));
      command.addAll(TestTls.controllerFlags());
      for (int s = 0; s < NODES; s++) {
        command.add("-Dpekko.cluster.seed-nodes." + s + "=pekko://fleet@127.0.0.1:" + remotePorts[s]);
      }
      command.add("io.fleetcontrol.controller.Main");
      File log = logDir.resolve("node-" + (n + 1) + ".log").toFile();
      nodes[n] = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start node " + (n + 1), e);
    }
  }

  /** Waits until node {@code n} answers /ready (Cassandra reachable, member Up, gRPC port bound). */
  void awaitReady(int n, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!nodes[n].isAlive()) {
        throw new IllegalStateException("node " + (n + 1) + " exited with " + nodes[n].exitValue() + "; see " + logDir);
      }
      if (get(n, "/ready") == 200) {
        return;
      }
      sleep(500);
    }
    throw new IllegalStateException("node " + (n + 1) + " not ready within " + timeout + "; see " + logDir);
  }

  /** Starts every node and waits until each answers /ready and node 1 sees all of them Up. */
  void startAll() {
    for (int n = 0; n < NODES; n++) {
      start(n);
    }
    for (int n = 0; n < NODES; n++) {
      awaitReady(n, Duration.ofMinutes(3));
    }
    Eventually.within(Duration.ofSeconds(60), () -> org.junit.jupiter.api.Assertions.assertEquals(NODES, upMembers(0),
        members(0)));
  }

  /** How many members node {@code n} reports Up; 0 when it does not answer. */
  int upMembers(int n) {
    String members = members(n);
    int count = 0;
    for (int i = members.indexOf("\"status\":\"Up\""); i >= 0; i = members.indexOf("\"status\":\"Up\"", i + 1)) {
      count++;
    }
    return count;
  }

  /** The cluster's members as node {@code n} reports them (Pekko Management's JSON). */
  String members(int n) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPorts[n] + "/cluster/members"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException | InterruptedException e) {
      return "";
    }
  }

  /**
   * How many device entities run on node {@code n}, from Pekko Management's shard listing; -1 when
   * the node does not answer.
   */
  int deviceEntities(int n) {
    try {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPorts[n]
              + "/cluster/shards/Device")).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      var matcher = java.util.regex.Pattern.compile("\"numEntities\"\\s*:\\s*(\\d+)").matcher(body);
      int sum = 0;
      while (matcher.find()) {
        sum += Integer.parseInt(matcher.group(1));
      }
      return sum;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** What a crash looks like: SIGKILL, no shutdown hook, no hand-off. */
  void kill(int n) throws InterruptedException {
    nodes[n].destroyForcibly();
    nodes[n].waitFor(30, TimeUnit.SECONDS);
  }

  /** What an orchestrator does: SIGTERM, then the node's coordinated shutdown hands its shards off. */
  void terminate(int n, Duration timeout) throws InterruptedException {
    nodes[n].destroy();
    if (!nodes[n].waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("node " + (n + 1) + " did not stop within " + timeout + " of SIGTERM");
    }
  }

  /**
   * A partition as the other nodes see it: node {@code n} stops (SIGSTOP) with its sockets open, so its
   * peers and its agents hear nothing until {@link #resume}, when it goes on as if no time had passed.
   */
  void pause(int n) {
    signal(n, "STOP");
  }

  void resume(int n) {
    signal(n, "CONT");
  }

  private void signal(int n, String name) {
    LocalCassandra.signal(nodes[n].pid(), name);
  }

  /** Node {@code n}'s exit code, once it ended. */
  int exitCode(int n) {
    return nodes[n].exitValue();
  }

  /** Whether node {@code n}'s process ended within {@code timeout}. */
  boolean awaitExit(int n, Duration timeout) throws InterruptedException {
    return nodes[n].waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean isAlive(int n) {
    return nodes[n] != null && nodes[n].isAlive();
  }

  /** A client for node {@code n}, made on first use: a channel made before its node listens gives up. */
  synchronized AdminServiceClient admin(int n) {
    if (admins[n] == null) {
      admins[n] = AdminServiceClient.create(TestTls.client(grpcPorts[n], clientSystem).withConnectionAttempts(-1),
          clientSystem);
    }
    return admins[n];
  }

  List<ControllerAddress> controllers() {
    List<ControllerAddress> all = new ArrayList<>();
    for (int port : grpcPorts) {
      all.add(TestTls.controller(port));
    }
    return all;
  }

  private int get(int n, String path) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPorts[n] + path))
          .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (AdminServiceClient admin : admins) {
      if (admin != null) {
        admin.close();
      }
    }
    for (int n = 0; n < NODES; n++) {
      if (nodes[n] != null && nodes[n].isAlive()) {
        nodes[n].destroy();
      }
    }
    for (int n = 0; n < NODES; n++) {
      try {
        if (nodes[n] != null && !nodes[n].waitFor(60, TimeUnit.SECONDS)) {
          nodes[n].destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    clientSystem.terminate();
    cassandra.stop();
  }
}
