package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.link.AgentClients;
import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.PolicyAck;
import io.grpc.Status;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One client must not hurt the node: idle sockets, a stream-reset flood and thousands of forged
 * Connects against one controller, and a real agent is still served; then the connection limits
 * themselves (idle connections closed, live streams kept). The controller runs in this JVM, so the
 * heap figures are this JVM's; they and the entity counts go to target/abuse-report.txt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AbuseIntegrationTest {

  private static final int IDLE_TCP_CONNECTIONS = 1_800;
  private static final int IDLE_HTTP2_CONNECTIONS = 200;
  private static final int RESET_STREAMS = 1_000;
  private static final int FORGED_CONNECTS = 10_000;
  private static final String CONNECT = "/fleet.v1.AgentService/Connect";
  private static final Duration SERVED_WITHIN = Duration.ofSeconds(5);
  private static final Path REPORT = LocalCassandra.findRepoRoot().resolve("integration-tests/target/abuse-report.txt");

  private static FleetHarness harness;
  private static final List<String> report = new ArrayList<>();

  @BeforeAll
  static void start() {
    // Both ends of every socket live in this JVM: 2 x 2,000 plus Cassandra sessions and jars.
    long limit = ((com.sun.management.UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getMaxFileDescriptorCount();
    assertTrue(limit >= 8_000, "this test holds about 4,500 sockets; raise the open-files limit (ulimit -n) "
        + "to 8000 or more, it is " + limit);
    harness = new FleetHarness();
  }

  @AfterAll
  static void stop() throws IOException {
    if (harness != null) {
      harness.close();
    }
    Files.createDirectories(REPORT.getParent());
    Files.write(REPORT, report);
  }

  @Test
  @Order(1)
  void idleConnectionsAndAResetFloodDoNotKeepARealAgentOut() throws Exception {
    Measure before = Measure.now("before idle connections");
    List<Socket> idle = new ArrayList<>();
    List<RawHttp2Connection> idleHttp2 = new ArrayList<>();
    try {
      // Sockets that never start TLS, the cheapest way to hold a connection slot.
      for (int i = 0; i < IDLE_TCP_CONNECTIONS; i++) {
        idle.add(new Socket("127.0.0.1", harness.grpcPort));
      }
      Measure tcp = Measure.now(IDLE_TCP_CONNECTIONS + " idle TCP connections open");
      // Connections through TLS and HTTP/2 set-up that never open a stream, as an idle laptop's would.
      for (int i = 0; i < IDLE_HTTP2_CONNECTIONS; i++) {
        idleHttp2.add(new RawHttp2Connection(harness.grpcPort));
      }
      Measure http2 = Measure.now("and " + IDLE_HTTP2_CONNECTIONS + " idle HTTP/2 connections open");
      record("heap per idle TCP connection: " + (tcp.heap - before.heap) / IDLE_TCP_CONNECTIONS / 1024 + " KiB; "
          + "per idle TLS + HTTP/2 connection: " + (http2.heap - tcp.heap) / IDLE_HTTP2_CONNECTIONS / 1024 + " KiB");

      // Rapid reset: streams opened and cancelled at once, far faster than the throttle allows.
      int written = 0;
      try (RawHttp2Connection flood = new RawHttp2Connection(harness.grpcPort)) {
        try {
          for (; written < RESET_STREAMS; written++) {
            flood.reset(flood.openStream(CONNECT, Map.of("x-fleet-device-id", "flood-" + written)));
          }
          flood.flush();
        } catch (IOException closedUnderUs) {
          // The server closed the connection while the flood was still being written.
        }
        RawHttp2Connection.Frame goAway = flood.next(RawHttp2Connection.GOAWAY, Duration.ofSeconds(15));
        assertNotNull(goAway, "the server sends GOAWAY to a connection that resets " + RESET_STREAMS + " streams at once");
        Eventually.within(Duration.ofSeconds(15), () -> assertTrue(flood.closedByServer(),
            "the server closes the flooding connection"));
        record("reset flood: the server sent GOAWAY and closed the connection; " + written + " of " + RESET_STREAMS
            + " HEADERS + RST_STREAM pairs written before that");
      }
      for (RawHttp2Connection connection : idleHttp2) {
        assertFalse(connection.closedByServer(), "an idle connection is closed only after the idle-timeout (2 minutes)");
      }

      // A real agent, on a connection of its own opened now, behind all that.
      long started = System.nanoTime();
      AgentServiceClient client = AgentClients.create(harness.clientSystem, harness.controllerAddress());
      try {
        String credential = enroll(client, "abuse-agent-1");
        try (RawAgentStream stream = new RawAgentStream(client, harness.clientSystem, "abuse-agent-1", credential)) {
          var version = stream.applyPolicy();
          Duration served = Duration.ofNanos(System.nanoTime() - started);
          record("real agent under " + (IDLE_TCP_CONNECTIONS + IDLE_HTTP2_CONNECTIONS)
              + " idle connections: enrolled, connected, got policy " + version.getPolicyName() + " v"
              + version.getVersion() + " and its ack answered in " + served.toMillis() + " ms");
          assertTrue(served.compareTo(SERVED_WITHIN) < 0, "served within " + SERVED_WITHIN + ", took " + served);
        }
      } finally {
        client.close();
      }
      Measure.now("after the flood and the real agent");
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
      idleHttp2.forEach(RawHttp2Connection::close);
    }
    Measure.now("idle connections closed by the test");
  }

  @Test
  @Order(2)
  void forgedConnectsAreRefusedAndStartNoEntity() throws Exception {
    // A real device's credential, presented for made-up ids: refused as another device's.
    String stolen = enroll(harness.agentClient, "abuse-victim-1");
    Set<String> entitiesBefore = harness.runningDeviceEntities();
    Measure before = Measure.now("before " + FORGED_CONNECTS + " forged Connects, device entities "
        + entitiesBefore.size());

    List<AgentServiceClient> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(AgentClients.create(harness.clientSystem, harness.controllerAddress()));
    }
    SecureRandom random = new SecureRandom();
    Map<Status.Code, Integer> outcomes = new EnumMap<>(Status.Code.class);
    try {
      List<Status.Code> codes = Source.range(1, FORGED_CONNECTS)
          // 4 connections x 50 calls in flight: under the 100 streams a connection may carry.
          .mapAsyncUnordered(200, n -> {
            String deviceId = "forged-" + UUID.randomUUID();
            String credential = n % 10 == 0 ? stolen : deviceId + "." + randomText(random, 18) + "." + randomText(random, 32);
            return refusal(clients.get(n % clients.size()), deviceId, credential);
          })
          .runWith(Sink.seq(), harness.clientSystem)
          .toCompletableFuture().get(5, TimeUnit.MINUTES);
      codes.forEach(code -> outcomes.merge(code, 1, Integer::sum));
    } finally {
      clients.forEach(AgentServiceClient::close);
    }
    Set<String> entitiesAfter = harness.runningDeviceEntities();
    Measure after = Measure.now("after " + FORGED_CONNECTS + " forged Connects, device entities " + entitiesAfter.size());
    record("forged Connects by status: " + outcomes + "; heap change " + (after.heap - before.heap) / 1024 / 1024 + " MiB");

    assertEquals(Map.of(Status.Code.UNAUTHENTICATED, FORGED_CONNECTS * 9 / 10, Status.Code.PERMISSION_DENIED,
        FORGED_CONNECTS / 10), outcomes, "every forged Connect refused: made-up MACs, a real credential for another id");
    assertEquals(entitiesBefore, entitiesAfter, "no entity started for a forged Connect");
  }

  @Test
  @Order(3)
  void aSimulatedFleetLargerThanOneConnectionsStreamsIsServed() throws Exception {
    int agents = 150;
    AgentSettings base = AgentSettings.fromConfig(harness.clientSystem.settings().config())
        .withController(harness.controllerAddress())
        .withEnrollmentToken(harness.enrollmentToken);
    // The simulator's defaults, as the quickstart runs it: agents-per-client below the 100-stream cap.
    FleetSimulator fleet = FleetSimulator.start(harness.clientSystem,
        SimulatorSettings.fromConfig(harness.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
        agents);
    try {
      Eventually.within(Duration.ofMinutes(2), () -> assertEquals(Map.of(1L, agents), fleet.appliedVersionCounts(),
          "every simulated agent on the default policy v1"));
    } finally {
      fleet.stop().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /**
   * With an 8 s idle-timeout and pings after 10 s of quiet (the least grpc-java allows; 2 s to
   * answer): what is closed and what is not.
   */
  @Test
  @Order(4)
  void idleConnectionsCloseWhileStreamsHeartbeatingOrQuietStayOpen() throws Exception {
    Duration idleTimeout = Duration.ofSeconds(8);
    harness.restartController(Map.of(
        "fleet.grpc.connections.idle-timeout", "8s",
        "fleet.grpc.connections.handshake-timeout", "8s",
        "fleet.grpc.connections.ping-interval", "10s",
        "fleet.grpc.connections.ping-timeout", "2s"));
    AgentServiceClient beating = AgentClients.create(harness.clientSystem, harness.controllerAddress());
    AgentServiceClient quiet = AgentClients.create(harness.clientSystem, harness.controllerAddress());
    try (Socket bare = new Socket("127.0.0.1", harness.grpcPort);
        RawHttp2Connection noStreams = new RawHttp2Connection(harness.grpcPort)) {
      long opened = System.nanoTime();
      RawAgentStream heartbeating = new RawAgentStream(beating, harness.clientSystem, "idle-beating-1",
          enroll(beating, "idle-beating-1"));
      RawAgentStream silent = new RawAgentStream(quiet, harness.clientSystem, "idle-quiet-1",
          enroll(quiet, "idle-quiet-1"));
      var version = heartbeating.applyPolicy();
      silent.applyPolicy();

      // Over two idle-timeouts: one stream heartbeats every 2 s, the other sends nothing at all.
      for (int i = 0; i < 9; i++) {
        heartbeating.send(ConnectRequest.newBuilder().setHeartbeat(Heartbeat.newBuilder()
            .setSendTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(java.time.Instant.now().getEpochSecond()))
            .setAppliedPolicy(version)));
        Thread.sleep(2_000);
      }
      Duration open = Duration.ofNanos(System.nanoTime() - opened);

      bare.setSoTimeout(1_000);
      assertEquals(-1, readToEnd(bare), "a connection that never started TLS is closed after the handshake-timeout");
      RawHttp2Connection.Frame goAway = noStreams.next(RawHttp2Connection.GOAWAY, Duration.ofMillis(100));
      assertNotNull(goAway, "an HTTP/2 connection without streams is told GOAWAY after the idle-timeout");
      Duration toldAfter = Duration.ofNanos(goAway.readAtNanos() - opened);
      assertTrue(toldAfter.compareTo(idleTimeout.minusMillis(500)) >= 0
          && toldAfter.compareTo(idleTimeout.plusSeconds(4)) <= 0,
          "told by the idle-timeout (" + idleTimeout + "), after " + toldAfter);
      // Then closed once it answers the server's last ping, or 10 s later if it answers none (this one).
      Eventually.within(Duration.ofSeconds(12), () -> assertTrue(noStreams.closedByServer(),
          "and the connection closed"));

      for (RawAgentStream stream : List.of(heartbeating, silent)) {
        assertFalse(stream.ended.toCompletableFuture().isDone(), "a Connect stream outlives two idle-timeouts");
        String id = stream.send(ConnectRequest.newBuilder().setPolicyAck(PolicyAck.newBuilder().setPolicy(version)));
        assertEquals(id, stream.ackOf(id).getRequestAck().getRequestId(), "and still answers");
      }
      record("idle-timeout 8 s: a bare TCP connection closed, a stream-less HTTP/2 connection told GOAWAY after "
          + toldAfter.toMillis() + " ms; a heartbeating and a silent Connect stream open after " + open.toMillis()
          + " ms and answering");
      heartbeating.close();
      silent.close();
    } finally {
      beating.close();
      quiet.close();
    }
  }

  @Test
  @Order(5)
  void aStreamWhosePeerStopsAnsweringPingsIsToldToGoAway() throws Exception {
    // Still the pings of the test before (after 10 s of quiet, 2 s to answer): a vanished peer answers none.
    String credential = enroll(harness.agentClient, "vanished-1");
    try (RawHttp2Connection vanished = new RawHttp2Connection(harness.grpcPort)) {
      vanished.openStream(CONNECT, Map.of("x-fleet-device-id", "vanished-1", "authorization", "Bearer " + credential));
      vanished.flush();
      assertNotNull(vanished.next(RawHttp2Connection.PING, Duration.ofSeconds(15)), "a quiet stream's connection is pinged");
      RawHttp2Connection.Frame goAway = vanished.next(RawHttp2Connection.GOAWAY, Duration.ofSeconds(10));
      assertNotNull(goAway, "an unanswered ping gets a GOAWAY");
      record("unanswered ping (after 10 s of quiet, 2 s to answer): GOAWAY, "
          + new String(goAway.payload(), 8, goAway.payload().length - 8, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  private static String enroll(AgentServiceClient client, String deviceId) throws Exception {
    return client.enroll(EnrollRequest.newBuilder()
            .setEnrollmentToken(harness.enrollmentToken)
            .setEnrollmentId(UUID.randomUUID().toString())
            .setDeviceId(deviceId)
            .setOwner(deviceId + "@example.com")
            .setJurisdiction("US")
            .setTimeZone("UTC")
            .build())
        .toCompletableFuture().get(20, TimeUnit.SECONDS)
        .getDeviceCredential();
  }

  /**
   * A Connect that sends nothing; completes with the status it was refused with (OK if it was not).
   * Its request side is closed at once: a gRPC client resets each refused call whose side is still
   * open, and thousands of those in seconds are a reset flood the throttle cuts off (INTERNAL).
   */
  private static CompletionStage<Status.Code> refusal(AgentServiceClient client, String deviceId, String credential) {
    return client.connect()
        .addHeader("x-fleet-device-id", deviceId)
        .addHeader("authorization", "Bearer " + credential)
        .invoke(Source.<ConnectRequest>empty())
        .runWith(Sink.ignore(), harness.clientSystem)
        .handle((done, failure) -> failure == null ? Status.Code.OK : Status.fromThrowable(failure).getCode());
  }

  private static String randomText(SecureRandom random, int bytes) {
    byte[] raw = new byte[bytes];
    random.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /** What the server sent before closing (a TLS alert, say) is skipped; -1 once it closed, 0 if still open. */
  private static int readToEnd(Socket socket) throws IOException {
    try {
      while (socket.getInputStream().read() != -1) {
        // Skip.
      }
      return -1;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return 0;
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  private static void record(String line) {
    System.out.println("abuse: " + line);
    report.add(line);
  }

  /** The used heap after a full collection, and the running device entities, at one moment. */
  private record Measure(long heap, int entities) {
    static Measure now(String when) {
      for (int i = 0; i < 2; i++) {
        System.gc();
      }
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      int entities = harness.runningDeviceEntities().size();
      record(when + ": heap used " + heap / 1024 / 1024 + " MiB, running device entities " + entities);
      return new Measure(heap, entities);
    }
  }
}
