package io.fleetcontrol.agent.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.FakeController;
import io.fleetcontrol.agent.LiveLocalAgent;
import io.fleetcontrol.proto.agent.v1.AcknowledgeNoticeRequest;
import io.fleetcontrol.proto.agent.v1.EmployeeAnswer;
import io.fleetcontrol.proto.agent.v1.EmployeeCall;
import io.fleetcontrol.proto.agent.v1.EndPauseRequest;
import io.fleetcontrol.proto.agent.v1.GetStatusRequest;
import io.fleetcontrol.proto.agent.v1.RequestExemptionRequest;
import io.fleetcontrol.proto.agent.v1.StartPauseRequest;
import io.fleetcontrol.proto.v1.ExemptionReason;
import io.fleetcontrol.proto.v1.ExemptionScope;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The employee's controls answer the laptop's employee only, as the kernel names the caller. A
 * second account cannot be made here, so the test runs the other way round: an agent told that its
 * employee is an account other than this process's (the case of a capture tool running as its own
 * user), while this process calls. The caller's name comes from the real SO_PEERCRED of the
 * connection, never from anything the caller says.
 */
class EmployeeSocketTest {

  private static final ActorTestKit testKit = ActorTestKit.create(FakeController.TEST_CONFIG);
  private static final String ME = System.getProperty("user.name");
  private static final String SOMEONE_ELSE = "ada-" + Long.toHexString(System.nanoTime());

  @TempDir static Path stateDir;

  private static LiveLocalAgent live;

  @BeforeAll
  static void startAgent() throws Exception {
    live = LiveLocalAgent.start(testKit, "laptop-9", stateDir);
  }

  @AfterAll
  static void stopAll() throws Exception {
    live.close();
    testKit.shutdownTestKit();
  }

  @Test
  void anotherAccountIsRefusedEveryControlAndNothingChanges(@TempDir Path dir) throws Exception {
    try (EmployeeSocket theirs = EmployeeSocket.start(live.agent(), dir.resolve("employee.sock"), SOMEONE_ELSE,
            4 * 1024 * 1024)) {
      List<EmployeeCall> controls = List.of(
          EmployeeCall.newBuilder().setStartPause(StartPauseRequest.newBuilder()
              .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(600))).build(),
          EmployeeCall.newBuilder().setEndPause(EndPauseRequest.getDefaultInstance()).build(),
          EmployeeCall.newBuilder().setRequestExemption(RequestExemptionRequest.newBuilder()
              .setScope(ExemptionScope.EXEMPTION_SCOPE_FULL).setReason(ExemptionReason.EXEMPTION_REASON_OTHER)).build(),
          EmployeeCall.newBuilder().setAcknowledgeNotice(AcknowledgeNoticeRequest.newBuilder().setPolicyVersion(5)).build(),
          EmployeeCall.newBuilder().setGetStatus(GetStatusRequest.getDefaultInstance()).build());
      for (EmployeeCall call : controls) {
        try (EmployeeClient caller = EmployeeClient.connect(theirs.path())) {
          EmployeeAnswer answer = caller.call(call);
          assertEquals("PERMISSION_DENIED", answer.getError().getCode(), call.getCallCase() + ": " + answer);
          assertTrue(answer.getError().getMessage().contains("only the laptop's employee (" + SOMEONE_ELSE + ")"),
              answer.getError().getMessage());
          assertTrue(answer.getError().getMessage().endsWith("this call came from " + ME),
              answer.getError().getMessage());
          assertThrows(IOException.class, () -> caller.call(call), "the connection is closed after the refusal");
        }
      }
      assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(theirs.path())),
          "open to every account: the caller's name is the check");

      // Held open, refused connections take no place: the socket serves 16 at once, and 40 are all
      // told PERMISSION_DENIED, none RESOURCE_EXHAUSTED, so they cannot crowd the employee out.
      List<EmployeeClient> held = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 40; i++) {
          EmployeeClient holder = EmployeeClient.connect(theirs.path());
          held.add(holder);
          assertEquals("PERMISSION_DENIED", holder.call(controls.get(4)).getError().getCode(), "connection " + i);
        }
      } finally {
        held.forEach(EmployeeClient::close);
      }
    }
    assertTrue(live.agent().activePause().isEmpty(), "no pause was started");
    assertTrue(live.agent().unansweredRequests().isEmpty(), "no request went to the controller");
  }

  @Test
  void theEmployeePausesAndResumesThroughTheSocket() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(live.employee.path())),
        "the agent runs as the employee here: the socket is this user's only");
    try (EmployeeClient employee = EmployeeClient.connect(live.employee.path())) {
      assertTrue(employee.getStatus().getReason().length() > 0);
      var paused = employee.startPause(StartPauseRequest.newBuilder()
          .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(300)).build());
      assertTrue(paused.hasPause(), paused.toString());
      assertTrue(live.agent().activePause().isPresent());
      employee.endPause();
      assertTrue(live.agent().activePause().isEmpty());
      var refused = assertThrows(EmployeeClient.Refused.class, () -> employee.startPause(StartPauseRequest.newBuilder()
          .setDuration(com.google.protobuf.Duration.newBuilder().setSeconds(9 * 3600)).build()));
      assertTrue(refused.getMessage().contains("at most 30 minutes"), refused.getMessage());

      EmployeeAnswer garbage = employee.call(EmployeeCall.getDefaultInstance());
      assertEquals("INVALID_ARGUMENT", garbage.getError().getCode());
      assertTrue(garbage.getError().getMessage().startsWith("call: set one of"), garbage.getError().getMessage());
    }
  }

  @Test
  void theLocalTokenOpensTheGateOnlyNotTheControls() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", live.port()).usePlaintext().build();
    try {
      Metadata token = new Metadata();
      token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + live.token);
      for (String method : List.of("StartPause", "EndPause", "RequestExemption", "AcknowledgeNotice")) {
        MethodDescriptor<byte[], byte[]> control = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("fleet.agent.v1.EmployeeService/" + method)
            .setRequestMarshaller(BYTES)
            .setResponseMarshaller(BYTES)
            .build();
        Status refused = call(channel, control, token);
        assertEquals(Status.Code.UNIMPLEMENTED, refused.getCode(), method + ": " + refused);
      }
      assertTrue(live.agent().activePause().isEmpty());
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** One unary call with the token's headers, as a capture tool holding the token would make it. */
  private static Status call(Channel channel, MethodDescriptor<byte[], byte[]> method, Metadata headers)
      throws Exception {
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call = channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, headers);
    call.request(1);
    call.sendMessage(new byte[0]);
    call.halfClose();
    return closed.get(15, TimeUnit.SECONDS);
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  };
}
