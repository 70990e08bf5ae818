package io.fleetcontrol.fleetctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.proto.v1.ListRolloutsRequest;
import io.fleetcontrol.proto.v1.PauseRolloutRequest;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RolloutsCommandTest {

  private static FakeAdminServer server;

  @BeforeAll
  static void start() throws Exception {
    server = new FakeAdminServer();
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  @BeforeEach
  void reset() {
    server.service.reset();
  }

  @Test
  void startSendsTheSelectorWavesAndGatesAsked() {
    CliResult result = CliResult.against(server, "rollouts", "start", "default", "2", "--label", "team=eng",
        "--waves", "5,50,100", "--soak", "20m", "--max-drain-ratio", "1.2", "--auto-rollback");
    assertEquals(0, result.exitCode(), result.err());
    StartRolloutRequest sent = server.service.sent(StartRolloutRequest.class).get(0);
    assertEquals("default", sent.getPolicyName());
    assertEquals(2, sent.getPolicyVersion());
    assertEquals(List.of("team=eng"), sent.getSelector().getLabelsList());
    assertEquals(List.of(5.0, 50.0, 100.0), sent.getWavePercentsList());
    assertEquals(1200, sent.getGates().getSoakSeconds());
    assertEquals(1.2, sent.getGates().getMaxBatteryDrainRatio());
    assertTrue(sent.getGates().getAutoRollback());
    assertTrue(result.out().startsWith("started default-1: policy default v2, running"), result.out());
  }

  @Test
  void aRefusedRolloutIsOneLineAndExitOne() {
    CliResult result = CliResult.against(server, "rollouts", "start", "default", "99", "--all");
    assertEquals(1, result.exitCode());
    assertTrue(result.err().contains("version 99 is unknown"), result.err());
    assertEquals(1, result.errLines().size(), result.err());
  }

  @Test
  void aBadDurationIsUsage() {
    CliResult result = CliResult.against(server, "rollouts", "start", "default", "2", "--all", "--soak", "soon");
    assertEquals(2, result.exitCode());
    assertTrue(result.err().contains("--soak"), result.err());
  }

  @Test
  void watchPrintsPlainLinesWhenNotATerminalAndEndsWithTheOutcome() {
    server.service.startRollout(StartRolloutRequest.getDefaultInstance(), null);
    CliResult result = CliResult.against(server, "rollouts", "watch", "default-1");
    assertEquals(0, result.exitCode(), result.err());
    List<String> lines = result.out().lines().toList();
    assertTrue(lines.get(0).startsWith("wave 2/4 (10 %) 45/90 acked"), result.out());
    assertTrue(lines.get(1).startsWith("wave 2/4 (10 %) 90/90 acked"), result.out());
    assertEquals("succeeded: succeeded: every wave passed", lines.get(lines.size() - 1));
  }

  @Test
  void statusListAndPause() {
    CliResult status = CliResult.against(server, "rollouts", "status", "default-1");
    assertTrue(status.out().contains("  wave 2     10 %  running      45/90 acked  waiting for acks"), status.out());
    CliResult missing = CliResult.against(server, "rollouts", "status", "default-7");
    assertEquals(3, missing.exitCode(), missing.err());

    CliResult list = CliResult.against(server, "rollouts", "list", "--policy", "default");
    assertTrue(list.out().contains("rolled back"), list.out());
    assertEquals("default", server.service.sent(ListRolloutsRequest.class).get(0).getPolicyName());

    CliResult paused = CliResult.against(server, "rollouts", "pause", "default-1", "-o", "json");
    assertTrue(paused.out().contains("\"status\" : \"ROLLOUT_STATUS_PAUSED\""), paused.out());
    assertEquals("default-1", server.service.sent(PauseRolloutRequest.class).get(0).getRolloutId());
  }
}
