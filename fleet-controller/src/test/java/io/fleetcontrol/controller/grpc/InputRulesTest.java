package io.fleetcontrol.controller.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.Heartbeat;
import io.fleetcontrol.proto.v1.Telemetry;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

class InputRulesTest {

  private static void assertInvalid(String fieldNamed, org.junit.jupiter.api.function.Executable call) {
    GrpcServiceException e = assertThrows(GrpcServiceException.class, call);
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(fieldNamed), e.getStatus().getDescription());
  }

  @Test
  void timestampsOutsideProtobufsRangeAreRefusedNamingTheField() {
    assertInvalid("expire_time", () -> InputRules.time("expire_time",
        Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build()));
    assertInvalid("expire_time", () -> InputRules.time("expire_time",
        Timestamp.newBuilder().setSeconds(-31_557_014_167_219_200L - 1).build()));
    assertInvalid("request_time", () -> InputRules.time("request_time",
        Timestamp.newBuilder().setSeconds(0).setNanos(1_000_000_000).build()));
    assertEquals(Instant.ofEpochSecond(253_402_300_799L),
        InputRules.time("t", Timestamp.newBuilder().setSeconds(253_402_300_799L).build()));
  }

  @Test
  void anExemptionExpiryIsInTheFutureAndWithinAYear() {
    Instant now = Instant.parse("2026-12-01T00:00:00Z");
    Duration year = Duration.ofDays(365);
    assertInvalid("expire_time", () -> InputRules.timeAhead("expire_time",
        Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(366)).getEpochSecond()).build(), now, year, "one year"));
    assertInvalid("expire_time", () -> InputRules.timeAhead("expire_time",
        Timestamp.newBuilder().setSeconds(now.getEpochSecond() - 1).build(), now, year, "one year"));
    assertEquals(now.plus(year), InputRules.timeAhead("expire_time",
        Timestamp.newBuilder().setSeconds(now.plus(year).getEpochSecond()).build(), now, year, "one year"));
  }

  @Test
  void durationsOutsideTheirRangeOrWithMixedSignsAreRefused() {
    assertInvalid("pause_request.duration", () -> InputRules.duration("pause_request.duration",
        com.google.protobuf.Duration.newBuilder().setSeconds(Long.MIN_VALUE).build()));
    assertInvalid("pause_request.duration", () -> InputRules.duration("pause_request.duration",
        com.google.protobuf.Duration.newBuilder().setSeconds(5).setNanos(-1).build()));
    assertEquals(Duration.ofMinutes(15), InputRules.duration("d",
        com.google.protobuf.Duration.newBuilder().setSeconds(900).build()));
  }

  @Test
  void heartbeatsWithNumbersNoLaptopReportsAreNamed() {
    assertNull(InputRules.heartbeatProblem(Heartbeat.newBuilder()
        .setTelemetry(Telemetry.newBuilder().setBatteryKnown(true).setBatteryPercent(55).setUploadedBytesDelta(1000))
        .build()));
    assertTrue(InputRules.heartbeatProblem(Heartbeat.newBuilder()
        .setTelemetry(Telemetry.newBuilder().setUploadedBytesDelta(-5)).build()).contains("uploaded_bytes_delta"));
    assertTrue(InputRules.heartbeatProblem(Heartbeat.newBuilder()
        .setTelemetry(Telemetry.newBuilder().setAgentCpuPercent(Double.NaN)).build()).contains("agent_cpu_percent"));
    assertTrue(InputRules.heartbeatProblem(Heartbeat.newBuilder()
        .setTelemetry(Telemetry.newBuilder().setBatteryKnown(true).setBatteryPercent(1000)).build())
        .contains("battery_percent"));
    assertTrue(InputRules.heartbeatProblem(Heartbeat.newBuilder().setAgentVersion("x".repeat(65)).build())
        .contains("agent_version"));
  }

  @Test
  void valuesQuotedInErrorsAreEscapedAndCut() {
    String quoted = InputRules.describe("\u001b[2Jowned\r\n\u202etxt.exe");
    assertEquals("\"\\x1b[2Jowned\\x0d\\x0a\\u202etxt.exe\"", quoted);
    assertTrue(InputRules.describe("a".repeat(5000)).endsWith("(5000 characters)"));
  }
}
