package io.fleetcontrol.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.agent.AgentSettings;
import io.fleetcontrol.agent.DeviceAgent;
import io.fleetcontrol.agent.simulator.FleetSimulator;
import io.fleetcontrol.agent.simulator.SimulatorSettings;
import io.fleetcontrol.proto.v1.AdminServiceClient;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetPolicyRequest;
import io.fleetcontrol.proto.v1.TargetRule;
import io.fleetcontrol.proto.v1.UpdatePolicyRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: a partition between controller nodes. Node 2 of three stops answering for 20 s (SIGSTOP,
 * so its sockets stay open and it resumes as if no time had passed) while employees pause, resume and
 * ask for exemptions, an approver decides and an operator assigns. The split-brain resolver keeps the
 * two nodes that still hear each other and node 2 leaves; every fact acknowledged is there afterwards
 * ({@link FactLedger}); no device entity ran on two nodes at once ({@link JournalWriters}: a node
 * that had been replaced and wrote again would show as a writer that came back).
 */
class PartitionIntegrationTest {

  private static final int AGENTS = 45;
  private static final int PARTITIONED = 1;
  private static final String BEARER = "Bearer " + FleetHarness.ADMIN_TOKEN;

  @Test
  void aPartitionedNodeLeavesAndNothingAcknowledgedIsLost() throws Exception {
    try (ClusterHarness cluster = new ClusterHarness()) {
      cluster.startAll();
      AdminServiceClient admin = cluster.admin(0);
      Eventually.within(Duration.ofSeconds(30), () -> admin.getFleetSummary().addHeader("authorization", BEARER)
          .invoke(GetFleetSummaryRequest.getDefaultInstance()).toCompletableFuture().get(10, TimeUnit.SECONDS));
      AgentSettings base = AgentSettings.fromConfig(cluster.clientSystem.settings().config())
          .withControllers(cluster.controllers())
          .withEnrollmentToken(FleetHarness.createEnrollmentToken(admin, 1_000));
      FleetSimulator fleet = FleetSimulator.start(cluster.clientSystem,
          SimulatorSettings.fromConfig(cluster.clientSystem.settings().config()).withBase(base).withFlakyFraction(0),
          AGENTS);
      try {
        Eventually.within(Duration.ofMinutes(3), () -> assertEquals(Map.of(1L, AGENTS), fleet.appliedVersionCounts()));
        List<DeviceAgent> agents = fleet.agents().stream()
            .sorted(java.util.Comparator.comparing(DeviceAgent::deviceId)).toList();
        var current = admin.getPolicy().addHeader("authorization", BEARER)
            .invoke(GetPolicyRequest.newBuilder().setName("default").build())
            .toCompletableFuture().get(30, TimeUnit.SECONDS).getPolicy();
        long v2 = admin.updatePolicy().addHeader("authorization", BEARER)
            .invoke(UpdatePolicyRequest.newBuilder().setPolicy(current.toBuilder()
                .addAllowlist(TargetRule.newBuilder().setSitePattern("partition.example.com"))).build())
            .toCompletableFuture().get(30, TimeUnit.SECONDS).getPolicy().getVersion();

        FactLedger ledger = new FactLedger();
        List<DeviceAgent> askingForExemptions = agents.subList(15, 21);
        List<String> assignedOneByOne = agents.subList(21, 27).stream().map(DeviceAgent::deviceId).toList();
        FleetRecovery recovery;
        Instant partitioned;
        Instant healed;
        try (FaultLoad load = new FaultLoad(ledger, () -> admin, BEARER)) {
          load.employees(agents.subList(0, 15), 3, Duration.ofSeconds(1));
          load.exemptionRequests(askingForExemptions, Duration.ofSeconds(3));
          load.approver(askingForExemptions.stream().map(DeviceAgent::deviceId).collect(Collectors.toSet()));
          load.assignments(assignedOneByOne, v2, Duration.ofSeconds(3));
          Thread.sleep(3000);

          cluster.pause(PARTITIONED);
          partitioned = Instant.now();
          try {
            Thread.sleep(20_000);
          } finally {
            cluster.resume(PARTITIONED); // a frozen JVM would outlive the test
          }
          healed = Instant.now();
          recovery = FleetRecovery.measure(cluster, admin, BEARER, healed, AGENTS, List.of(0, 2),
              Duration.ofSeconds(90));
          System.out.printf("issue 19, node 2 partitioned (SIGSTOP) 20 s: measured from the heal, %s%n", recovery);
          load.stopAndAwaitAnswers(Duration.ofSeconds(120));
          load.assertAnsweredCleanly("during the partition");
          System.out.printf("issue 19, partition: slowest admin answer %s; partitioned %s, healed %s%n",
              load.slowestAdminAnswer(), partitioned, healed);
        }

        // The resolver kept the side of two; node 2 found itself removed and stopped as a downed node does.
        assertTrue(cluster.awaitExit(PARTITIONED, Duration.ofSeconds(60)), "node 2 left after the partition");
        assertEquals(0, cluster.exitCode(PARTITIONED), "node 2 shut down cleanly, as downed");
        Eventually.within(Duration.ofSeconds(30), () -> assertEquals(2, cluster.upMembers(0), cluster.members(0)));
        Eventually.within(Duration.ofMinutes(2), () -> assertEquals(List.of(), assignedOneByOne.stream()
            .filter(id -> fleet.agent(id).orElseThrow().appliedPolicyVersion() != v2).toList(), "agents not on v2"));
        Eventually.within(Duration.ofMinutes(2), () -> assertEquals(AGENTS, fleet.connectedCount()));
        ledger.recordWhatAgentsHold(fleet.agents());
        FactLedger.Found found = ledger.verifyWithJournal(admin, BEARER, LocalCassandra.CQL_PORT);
        System.out.printf("issue 19, partition: %s; no device entity wrote from two nodes%n", ledger.describe(found));
        assertEquals(askingForExemptions.size(), ledger.acknowledged(FactLedger.Kind.EXEMPTION_APPROVED));
        assertTrue(recovery.heard() != null, "every device heard from within 90 s of the heal: " + recovery);
      } finally {
        fleet.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
  }
}
