package io.fleetcontrol.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.UploadCounters;
import io.fleetcontrol.proto.agent.v1.CheckCaptureRequest;
import io.fleetcontrol.proto.agent.v1.GateAnswer;
import io.fleetcontrol.proto.agent.v1.GateCall;
import io.fleetcontrol.proto.agent.v1.ReportUploadRequest;
import io.fleetcontrol.proto.v1.CaptureKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gate's socket fast path: answers in order on one connection, refuses bad calls, this user only. */
class GateSocketTest {

  @TempDir Path dir;

  @Test
  void answersChecksAndUploadsOnOneConnectionAndRefusesBadCalls() throws Exception {
    CaptureGate gate = new CaptureGate(Clock.systemUTC(), "US", ZoneId.of("America/New_York"),
        UploadCounters.EMPTY, new UploadMeter());
    gate.show(AgentState.EMPTY.withPolicy(Policy.starter("default", 2)).withContact(Instant.now()), true,
        DeviceTelemetry.UNKNOWN);
    Path path = dir.resolve("gate.sock");
    Files.writeString(path, "left behind by a crashed run");

    try (GateSocket socket = GateSocket.start(gate, path);
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
}
