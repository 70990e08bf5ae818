package io.fleetcontrol.agent.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.agent.Eventually;
import io.fleetcontrol.agent.FakeController;
import io.fleetcontrol.agent.LiveLocalAgent;
import io.fleetcontrol.grpcedge.GrpcMessageLimit;
import io.fleetcontrol.proto.agent.v1.CaptureGateServiceClient;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.CheckCaptureResponse;
import io.fleetcontrol.proto.v1.AgentServiceClient;
import io.fleetcontrol.proto.v1.AgentServicePowerApi;
import io.fleetcontrol.proto.v1.AgentServicePowerApiHandlerFactory;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.ConnectRequest;
import io.fleetcontrol.proto.v1.ConnectResponse;
import io.fleetcontrol.proto.v1.EnrollRequest;
import io.fleetcontrol.proto.v1.EnrollResponse;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request-message limit in front of the agent's local API and a bidi stream, over real HTTP/2
 * with pekko-grpc clients: an oversized message gets RESOURCE_EXHAUSTED naming the limit, and the
 * server goes on serving.
 */
class GrpcMessageLimitTest {

  private static final int MIB = 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** Small, so that the test shows a stream outliving it with a megabyte, not minutes of traffic. */
  private static final String MAX_CONTENT_LENGTH = "64k";
  private static final ActorTestKit testKit = ActorTestKit.create(
      ConfigFactory.parseString("pekko.http.server.parsing.max-content-length = " + MAX_CONTENT_LENGTH)
          .withFallback(FakeController.TEST_CONFIG));

  @TempDir static Path stateDir;

  private static LiveLocalAgent live;
  private static CaptureGateServiceClient gate;
  private static String token;

  @BeforeAll
  static void startAgent() throws Exception {
    live = LiveLocalAgent.start(testKit, "laptop-9", stateDir);
    gate = live.gate;
    token = live.token;
  }

  @AfterAll
  static void stopAll() throws Exception {
    live.close();
    testKit.shutdownTestKit();
  }

  @Test
  void theLocalApiRefusesAFiveMegabyteMessageAndServesTheNextCall() throws Exception {
    CheckCaptureRequest huge = CheckCaptureRequest.newBuilder()
        .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("x".repeat(5 * MIB)).build();

    StatusRuntimeException refused = refusal(gate.checkCapture()
        .addHeader("authorization", "Bearer " + token).invoke(huge));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
    assertEquals("request message of " + huge.getSerializedSize() + " bytes exceeds the 4194304-byte limit "
        + "(fleet.agent.local-api.max-message-bytes)", refused.getStatus().getDescription());

    CheckCaptureResponse normal = await(gate.checkCapture().addHeader("authorization", "Bearer " + token)
        .invoke(CheckCaptureRequest.newBuilder()
            .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("com.microsoft.Excel").build()));
    assertTrue(normal.getAllowed(), normal.toString());
  }

  @Test
  void aMessageJustUnderTheLimitReachesTheService() {
    CheckCaptureRequest large = CheckCaptureRequest.newBuilder()
        .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("x".repeat(4 * MIB - 16)).build();
    assertTrue(large.getSerializedSize() <= 4 * MIB);

    // The service's own check answers, so the guard let it through.
    StatusRuntimeException refused = refusal(gate.checkCapture()
        .addHeader("authorization", "Bearer " + token).invoke(large));
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().startsWith("app_id:"), refused.getStatus().getDescription());
  }

  @Test
  void aStreamWithOneOversizedMessageEndsWithTheStatusAfterTheMessagesBeforeIt() throws Exception {
    try (CountingStreams service = CountingStreams.start(64 * 1024)) {
      Source<ConnectRequest, NotUsed> requests = Source.repeat(heartbeat("0.1.0")).take(3)
          .concat(Source.single(heartbeat("v".repeat(MIB))))
          .concat(Source.<ConnectRequest>maybe().mapMaterializedValue(kept -> NotUsed.getInstance()));

      StatusRuntimeException refused = refusal(
          service.client.connect(requests).runWith(Sink.ignore(), testKit.system()));

      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
      assertTrue(refused.getStatus().getDescription().endsWith("exceeds the 65536-byte limit (test.max-message-bytes)"),
          refused.getStatus().getDescription());
      assertEquals(3, service.received.get(), "the heartbeats before the oversized message were served");

      // The same server, a new stream: served.
      Source<ConnectRequest, NotUsed> small = Source.repeat(heartbeat("0.1.0")).take(2)
          .concat(Source.<ConnectRequest>maybe().mapMaterializedValue(kept -> NotUsed.getInstance()));
      service.client.connect(small).runWith(Sink.ignore(), testKit.system());
      Eventually.await(WAIT, () -> service.received.get() + " of 5 heartbeats", () -> service.received.get() == 5);
    }
  }

  @Test
  void aLongStreamMayCarryMoreThanMaxContentLengthInAll() throws Exception {
    // pekko.http.server.parsing.max-content-length (64k here) applies to HTTP/1.1 bodies only: an
    // agent's Connect stream carries heartbeats for hours and must not be cut after that many bytes.
    try (CountingStreams service = CountingStreams.start(4 * MIB)) {
      int heartbeats = 200;
      ConnectRequest fiveKilobytes = heartbeat("v".repeat(5 * 1024));
      CompletionStage<?> stream = service.client
          .connect(Source.repeat(fiveKilobytes).take(heartbeats)
              .concat(Source.<ConnectRequest>maybe().mapMaterializedValue(kept -> NotUsed.getInstance())))
          .runWith(Sink.ignore(), testKit.system());

      Eventually.await(WAIT, () -> service.received.get() + " of " + heartbeats + " heartbeats",
          () -> service.received.get() == heartbeats);
      assertTrue((long) heartbeats * fiveKilobytes.getSerializedSize() > 64 * 1024);
      assertFalse(stream.toCompletableFuture().isDone(), "the stream is still open");
    }
  }

  @Test
  void aWholeBodyIsCheckedBeforeTheHandlerSeesIt() throws Exception {
    GrpcMessageLimit limit = new GrpcMessageLimit(1024, "test.max-message-bytes");
    AtomicInteger handled = new AtomicInteger();
    var guarded = limit.guard(request -> {
      handled.incrementAndGet();
      return CompletableFuture.completedFuture(HttpResponse.create());
    });

    HttpResponse oversized = await(guarded.apply(grpcRequest(frame(0, 2048, 8))));
    assertEquals("8", header(oversized, "grpc-status"));
    assertEquals("request message of 2048 bytes exceeds the 1024-byte limit (test.max-message-bytes)",
        header(oversized, "grpc-message"));

    HttpResponse compressed = await(guarded.apply(grpcRequest(frame(1, 10, 10))));
    assertEquals(String.valueOf(Status.Code.UNIMPLEMENTED.value()), header(compressed, "grpc-status"));
    assertTrue(header(compressed, "grpc-message").startsWith("compressed request messages are not accepted"));

    assertEquals(0, handled.get(), "refused before the handler");
    await(guarded.apply(grpcRequest(frame(0, 1024, 1024).concat(frame(0, 3, 3)))));
    assertEquals(1, handled.get(), "two messages within the limit reach the handler");
  }

  @Test
  void aMessageWhoseBodyStallsIsRefusedAtItsDeadline() throws Exception {
    GrpcMessageLimit limit = new GrpcMessageLimit(1024, "test.max-message-bytes", Duration.ofMillis(300));
    var guarded = limit.guard(request -> request.entity().getDataBytes()
        .runWith(org.apache.pekko.stream.javadsl.Sink.ignore(), testKit.system())
        .thenApply(done -> HttpResponse.create()));
    // The header says 100 bytes; 10 come, then nothing (the connection stays open).
    var stalled = org.apache.pekko.stream.javadsl.Source.single(frame(0, 100, 10))
        .concat(org.apache.pekko.stream.javadsl.Source.<ByteString>maybe());
    HttpResponse response = await(guarded.apply(HttpRequest.POST("/fleet.v1.AgentService/Enroll")
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_GRPC_PROTO, stalled))));
    var parts = await(((org.apache.pekko.http.javadsl.model.HttpEntity.Chunked) response.entity()).getChunks()
        .runWith(org.apache.pekko.stream.javadsl.Sink.seq(), testKit.system()));
    var trailer = parts.get(parts.size() - 1).getTrailerHeaders();
    java.util.Map<String, String> byName = new java.util.HashMap<>();
    trailer.forEach(h -> byName.put(h.name(), h.value()));
    assertEquals(String.valueOf(Status.Code.RESOURCE_EXHAUSTED.value()), byName.get("grpc-status"));
    assertTrue(byName.get("grpc-message").contains("did not arrive within 300 ms"), byName.toString());
  }

  private static HttpRequest grpcRequest(ByteString body) {
    return HttpRequest.POST("/fleet.v1.AgentService/Enroll").withEntity(
        HttpEntities.create(ContentTypes.APPLICATION_GRPC_PROTO,
            body));
  }

  /** A gRPC message header declaring {@code declared} bytes, followed by {@code actual} bytes. */
  private static ByteString frame(int flags, int declared, int actual) {
    byte[] bytes = new byte[5 + actual];
    bytes[0] = (byte) flags;
    bytes[1] = (byte) (declared >>> 24);
    bytes[2] = (byte) (declared >>> 16);
    bytes[3] = (byte) (declared >>> 8);
    bytes[4] = (byte) declared;
    return ByteString.fromArray(bytes);
  }

  private static String header(HttpResponse response, String name) {
    return response.getHeader(name).orElseThrow(() -> new AssertionError("no " + name + " in " + response)).value();
  }

  private static ConnectRequest heartbeat(String agentVersion) {
    return ConnectRequest.newBuilder().setHeartbeat(Heartbeat.newBuilder().setAgentVersion(agentVersion)).build();
  }

  private static StatusRuntimeException refusal(CompletionStage<?> call) {
    ExecutionException failed = assertThrows(ExecutionException.class,
        () -> call.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    return assertInstanceOf(StatusRuntimeException.class, failed.getCause(), failed.getCause().toString());
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * A Connect that counts what it receives and, like the controller's, keeps its answer stream
   * open whatever happens to the request stream: only the guard can end it with a status.
   */
  private static final class CountingStreams implements AgentServicePowerApi, AutoCloseable {
    final AtomicInteger received = new AtomicInteger();
    final ServerBinding binding;
    final AgentServiceClient client;

    private CountingStreams(int maxMessageBytes) throws Exception {
      var limit = new GrpcMessageLimit(maxMessageBytes, "test.max-message-bytes");
      binding = await(Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
          .bind(limit.guard(AgentServicePowerApiHandlerFactory.create(this, testKit.system()))));
      client = AgentServiceClient.create(
          GrpcClientSettings.connectToServiceAt("127.0.0.1", binding.localAddress().getPort(), testKit.system())
              .withTls(false),
          testKit.system());
    }

    static CountingStreams start(int maxMessageBytes) throws Exception {
      return new CountingStreams(maxMessageBytes);
    }

    @Override
    public CompletionStage<EnrollResponse> enroll(EnrollRequest in, Metadata metadata) {
      return CompletableFuture.failedFuture(new GrpcServiceException(Status.UNIMPLEMENTED));
    }

    @Override
    public Source<ConnectResponse, NotUsed> connect(Source<ConnectRequest, NotUsed> in, Metadata metadata) {
      in.runForeach(request -> received.incrementAndGet(), testKit.system());
      return Source.<ConnectResponse>maybe().mapMaterializedValue(kept -> NotUsed.getInstance());
    }

    @Override
    public void close() throws Exception {
      client.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
      binding.terminate(Duration.ofSeconds(2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
