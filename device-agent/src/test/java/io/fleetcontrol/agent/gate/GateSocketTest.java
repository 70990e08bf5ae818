package io.fleetcontrol.agent.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.fleetcontrol.agent.Eventually;
import io.fleetcontrol.agent.localapi.FramedSocket;
import io.fleetcontrol.agent.state.AgentState;
import io.fleetcontrol.agent.telemetry.UploadMeter;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import io.fleetcontrol.proto.agent.v1.ReportUploadRequest;
import io.fleetcontrol.proto.v1.CaptureKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate's socket fast path: answers in order on one connection, refuses bad calls, this user
 * only; oversized calls, too many connections and stalled calls cost the agent nothing lasting.
 */
class GateSocketTest {

  @TempDir Path dir;

  private static final FramedSocket.Limits LIMITS = new FramedSocket.Limits(1024, 2, Duration.ofMillis(500));

  @Test
  void answersChecksAndUploadsOnOneConnectionAndRefusesBadCalls() throws Exception {
    CaptureGate gate = gate();
    Path path = dir.resolve("gate.sock");
    Files.writeString(path, "left behind by a crashed run");

    try (GateSocket socket = GateSocket.start(gate, path, 4 * 1024 * 1024);
        GateSocketClient tool = GateSocketClient.connect(path)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));

      GateAnswer excel = tool.call(GateCall.newBuilder().setCheckCapture(CheckCaptureRequest.newBuilder()
          .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("com.microsoft.Excel")).build());
      assertTrue(excel.getCheckCapture().getAllowed(), excel.toString());
      assertEquals(2, excel.getCheckCapture().getPolicyVersion());

      GateAnswer bank = tool.call(GateCall.newBuilder().setCheckCapture(CheckCaptureRequest.newBuilder()
          .setKind(CaptureKind.CAPTURE_KIND_CLICKS).setSiteHost("online.bank.com")).build());
      assertFalse(bank.getCheckCapture().getAllowed());
      assertEquals("DENYLIST", bank.getCheckCapture().getRule());

      GateAnswer uploaded = tool.call(GateCall.newBuilder()
          .setReportUpload(ReportUploadRequest.newBuilder().setBytes(4096)).build());
      assertEquals(4096, uploaded.getReportUpload().getUploadedBytesToday());

      GateAnswer noKind = tool.call(GateCall.newBuilder()
          .setCheckCapture(CheckCaptureRequest.newBuilder().setAppId("slack")).build());
      assertEquals("INVALID_ARGUMENT", noKind.getError().getCode());
      assertTrue(noKind.getError().getMessage().startsWith("kind:"), noKind.getError().getMessage());

      GateAnswer negative = tool.call(GateCall.newBuilder()
          .setReportUpload(ReportUploadRequest.newBuilder().setBytes(-1)).build());
      assertEquals("INVALID_ARGUMENT", negative.getError().getCode());
      assertEquals(4096, gate.uploads().bytesToday(), "a refused call changes nothing");

      GateAnswer empty = tool.call(GateCall.getDefaultInstance());
      assertEquals("INVALID_ARGUMENT", empty.getError().getCode());
    }
    assertFalse(Files.exists(path), "closing removes the socket file");
  }

  @Test
  void aCaptureToolsGroupMayAskWhenOneIsNamed() throws Exception {
    // A group other than the one the file would get anyway, so the hand-over itself is tested: root
    // may give a file to any group; another account, to one of its own, which may be its only one.
    String own = Files.readAttributes(Files.createFile(dir.resolve("probe")), PosixFileAttributes.class).group().getName();
    String group = "root".equals(System.getProperty("user.name")) ? "daemon" : own;
    try (GateSocket socket = GateSocket.start(gate(), dir.resolve("gate.sock"), group, LIMITS);
        GateSocketClient tool = GateSocketClient.connect(socket.path())) {
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.path())));
      assertEquals(group, Files.readAttributes(socket.path(), PosixFileAttributes.class).group().getName());
      assertTrue(tool.call(GateCall.newBuilder().setCheckCapture(CheckCaptureRequest.newBuilder()
          .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("com.microsoft.Excel")).build())
          .getCheckCapture().getAllowed());
    }
  }

  @Test
  void anOversizedCallIsRefusedUnreadAndItsConnectionClosed() throws Exception {
    CaptureGate gate = gate();
    try (GateSocket socket = GateSocket.start(gate, dir.resolve("gate.sock"), LIMITS);
        SocketChannel tool = SocketChannel.open(UnixDomainSocketAddress.of(socket.path()))) {
      // Only the length of a 5 MB call: the answer comes without the body ever being sent.
      ByteArrayOutputStream length = new ByteArrayOutputStream();
      CodedOutputStream varint = CodedOutputStream.newInstance(length);
      varint.writeUInt32NoTag(5_000_000);
      varint.flush();
      tool.write(ByteBuffer.wrap(length.toByteArray()));

      InputStream in = Channels.newInputStream(tool);
      GateAnswer refused = GateAnswer.parseDelimitedFrom(in);
      assertEquals("RESOURCE_EXHAUSTED", refused.getError().getCode());
      assertEquals("call of 5000000 bytes exceeds the 1024-byte limit (fleet.agent.local-api.max-message-bytes); "
          + "the connection is closed", refused.getError().getMessage());
      assertEquals(-1, in.read(), "the agent closed the connection");

      try (GateSocketClient next = GateSocketClient.connect(socket.path())) {
        assertTrue(next.call(excel()).hasCheckCapture(), "a new connection is served");
      }
      // The reference client, writing a whole 5 MB call, is told why rather than seeing a broken pipe.
      try (GateSocketClient careless = GateSocketClient.connect(socket.path())) {
        GateAnswer told = careless.call(GateCall.newBuilder().setCheckCapture(CheckCaptureRequest.newBuilder()
            .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("x".repeat(5_000_000))).build());
        assertEquals("RESOURCE_EXHAUSTED", told.getError().getCode());
        // The size refusal, not the connection cap's (an earlier connection may not be counted out yet).
        assertTrue(told.getError().getMessage().contains("exceeds the 1024-byte limit"), told.getError().getMessage());
      }
    }
  }

  @Test
  void connectionsOverTheCapAreToldWhyAndClosedAndOneFreedIsReused() throws Exception {
    try (GateSocket socket = GateSocket.start(gate(), dir.resolve("gate.sock"), LIMITS);
        GateSocketClient first = GateSocketClient.connect(socket.path());
        GateSocketClient second = GateSocketClient.connect(socket.path())) {
      assertTrue(first.call(excel()).hasCheckCapture());
      assertTrue(second.call(excel()).hasCheckCapture());

      try (GateSocketClient third = GateSocketClient.connect(socket.path())) {
        GateAnswer refused = third.call(excel());
        assertEquals("RESOURCE_EXHAUSTED", refused.getError().getCode());
        assertEquals("the gate socket serves at most 2 connections at once; close one and connect again",
            refused.getError().getMessage());
      }

      second.close();
      Eventually.await(Duration.ofSeconds(10), () -> "a freed place for a new connection", () -> {
        try (GateSocketClient again = GateSocketClient.connect(socket.path())) {
          return again.call(excel()).hasCheckCapture();
        } catch (IOException e) {
          return false;
        }
      });
      assertTrue(first.call(excel()).hasCheckCapture(), "the first connection was never disturbed");
    }
  }

  @Test
  void aHalfSentCallClosesItsConnectionAfterTheStallLimit() throws Exception {
    try (GateSocket socket = GateSocket.start(gate(), dir.resolve("gate.sock"), LIMITS);
        SocketChannel stalled = SocketChannel.open(UnixDomainSocketAddress.of(socket.path()))) {
      byte[] whole = excel().toByteArray();
      ByteArrayOutputStream half = new ByteArrayOutputStream();
      CodedOutputStream framed = CodedOutputStream.newInstance(half);
      framed.writeUInt32NoTag(whole.length);
      framed.writeRawBytes(whole, 0, whole.length / 2);
      framed.flush();
      stalled.write(ByteBuffer.wrap(half.toByteArray()));

      // Closed by the agent: the read ends instead of waiting for an answer for ever.
      assertEquals(-1, Channels.newInputStream(stalled).read());

      try (GateSocketClient next = GateSocketClient.connect(socket.path())) {
        assertTrue(next.call(excel()).hasCheckCapture(), "the socket still serves");
      }
    }
  }

  private static CaptureGate gate() {
    CaptureGate gate = new CaptureGate(Clock.systemUTC(), "US", ZoneId.of("America/New_York"),
        UploadCounters.EMPTY, new UploadMeter());
    gate.show(AgentState.EMPTY.withPolicy(Policy.starter("default", 2)).withContact(Instant.now()), true,
        DeviceTelemetry.UNKNOWN);
    return gate;
  }

  private static GateCall excel() {
    return GateCall.newBuilder().setCheckCapture(CheckCaptureRequest.newBuilder()
        .setKind(CaptureKind.CAPTURE_KIND_KEYSTROKES).setAppId("com.microsoft.Excel")).build();
  }
}
