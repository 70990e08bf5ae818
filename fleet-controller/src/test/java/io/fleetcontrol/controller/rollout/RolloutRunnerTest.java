package io.fleetcontrol.controller.rollout;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.readside.DeviceStore;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.controller.cluster.ProbeEntities;
import io.fleetcontrol.controller.metrics.FleetMetrics;
import io.fleetcontrol.controller.readside.InMemoryDeviceStore;
import io.fleetcontrol.controller.readside.TestClock;
import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.device.DeviceSummary;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.rollout.RolloutGates;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wave's work against probes standing in for the catalog, the devices and the rollout entity. */
class RolloutRunnerTest {

  private static final ActorTestKit kit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
  private static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final InMemoryDeviceStore directory = new InMemoryDeviceStore(new TestClock(T0));
  private final ProbeEntities entities = new ProbeEntities(kit);
  private final RolloutRunner runner = new RolloutRunner(kit.system(), directory, entities, Duration.ofSeconds(3), 100,
      FleetMetrics.get(kit.system()));
  private final Policy v2 = Policy.starter("eng", 2);

  private void enroll(String id, String team) {
    directory.update(DeviceStore.RowChange.enrolled(new DeviceIdentity(id, "ada", "DE", Map.of("team", team), "1.0.0", "UTC"), T0))
        .toCompletableFuture().join();
  }

  private static DeviceSummary on(String id, String policy, long target, long applied) {
    return new DeviceSummary(new DeviceIdentity(id, "ada", "DE", Map.of(), "1.0.0", "UTC"), T0, new io.fleetcontrol.policy.PolicyVersion(policy, target),
        new io.fleetcontrol.policy.PolicyVersion(policy, applied), T0, null, null, null, null, null, new io.fleetcontrol.policy.PausesLeft(3), List.of(), 0, 0, null, 0, null);
  }

  private PolicyRollouts.Rollout rollout(PolicyRollouts.Selector selector) {
    var gates = new RolloutGates(1.0, Duration.ofSeconds(30), Duration.ZERO, 0, 0, 0, 0, false);
    var spec = new PolicyRollouts.Spec("eng", 2, selector, List.of(100.0), gates);
    return new PolicyRollouts.Rollout("eng-1", spec, PolicyRollouts.Status.RUNNING, 0, List.of(), "", "alice", T0, T0,
        List.of());
  }

  private void answerCatalog() {
    var get = entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class);
    assertEquals("eng", get.name());
    assertEquals(2, get.version());
    get.replyTo().tell(StatusReply.success(v2));
  }

  private void answerSummary(String id, DeviceSummary summary) {
    var ask = entities.deviceProbe(id).expectMessageClass(DeviceCommand.GetSummary.class, Duration.ofSeconds(5));
    ask.replyTo().tell(StatusReply.success(summary));
  }

  @Test
  void aWaveAssignsTheSelectedDevicesAndPassesOnceTheyAcked() {
    enroll("d1", "core");
    enroll("d2", "sales");
    runner.runWave(rollout(new PolicyRollouts.Selector(false, Map.of("team", "core"), List.of())), 0);
    answerCatalog();

    answerSummary("d1", on("d1", "default", 1, 1));
    var assign = entities.deviceProbe("d1").expectMessageClass(DeviceCommand.AssignPolicy.class);
    assertEquals(v2, assign.policy());
    assertEquals("rollout eng-1", assign.by());
    assign.replyTo().tell(StatusReply.success(on("d1", "eng", 2, 1)));

    // Assigned, not applied yet: asked again, not assigned again; then it acks.
    answerSummary("d1", on("d1", "eng", 2, 1));
    answerSummary("d1", on("d1", "eng", 2, 2));

    TestProbe<PolicyRollouts.Command> rollouts = entities.rolloutsProbe("eng");
    var passed = rollouts.fishForMessage(Duration.ofSeconds(10), m -> m instanceof PolicyRollouts.WavePassed
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
    var wave = (PolicyRollouts.WavePassed) passed.get(passed.size() - 1);
    assertEquals("eng-1", wave.rolloutId());
    assertTrue(wave.message().startsWith("1 of 1 acked"), wave.message());
    assertEquals(new PolicyRollouts.Progress(0, 1, 1, 1, "passed"), wave.last());
    // The device outside the selector was never asked anything.
    entities.deviceProbe("d2").expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void acksShowInTheProgressAsTheyComeNotOnlyOnceEveryDeviceOfThePollAnswered() {
    enroll("d1", "core");
    enroll("d2", "core");
    runner.runWave(rollout(new PolicyRollouts.Selector(false, Map.of("team", "core"), List.of())), 0);
    answerCatalog();

    // d1 acked already; d2 does not answer (yet): the poll is not over, and d1's ack shows anyway.
    answerSummary("d1", on("d1", "eng", 2, 2));
    entities.deviceProbe("d2").expectMessageClass(DeviceCommand.GetSummary.class, Duration.ofSeconds(5));
    var reported = entities.rolloutsProbe("eng").expectMessageClass(PolicyRollouts.ReportProgress.class, Duration.ofSeconds(2));
    assertEquals(2, reported.progress().devices());
    assertEquals(1, reported.progress().acked());
  }

  @Test
  void aDeviceWhoseAssignmentKeepsFailingDoesNotHoldBackTheOthers() {
    // One assignment per poll: d1's fails, and the next poll must try d2 rather than d1 again.
    var oneAtATime = new RolloutRunner(kit.system(), directory, entities, Duration.ofSeconds(3), 1,
        FleetMetrics.get(kit.system()));
    enroll("d1", "core");
    enroll("d2", "core");
    oneAtATime.runWave(rollout(new PolicyRollouts.Selector(false, Map.of("team", "core"), List.of())), 0);
    answerCatalog();

    answerSummary("d1", on("d1", "default", 1, 1));
    answerSummary("d2", on("d2", "default", 1, 1));
    var first = entities.deviceProbe("d1").expectMessageClass(DeviceCommand.AssignPolicy.class, Duration.ofSeconds(5));
    first.replyTo().tell(StatusReply.error("journal unavailable"));

    answerSummary("d1", on("d1", "default", 1, 1));
    answerSummary("d2", on("d2", "default", 1, 1));
    entities.deviceProbe("d2").expectMessageClass(DeviceCommand.AssignPolicy.class, Duration.ofSeconds(5));
    entities.deviceProbe("d1").expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aWaveWhoseDevicesDoNotAckInTimeFails() {
    var gates = new RolloutGates(1.0, Duration.ofMillis(300), Duration.ZERO, 0, 0, 0, 0, false);
    var spec = new PolicyRollouts.Spec("eng", 2, new PolicyRollouts.Selector(false, Map.of(), List.of("d1")),
        List.of(100.0), gates);
    runner.runWave(new PolicyRollouts.Rollout("eng-1", spec, PolicyRollouts.Status.RUNNING, 0, List.of(), "", "alice",
        T0, T0, List.of()), 0);
    answerCatalog();
    answerSummary("d1", on("d1", "eng", 2, 1));
    answerSummary("d1", on("d1", "eng", 2, 1));

    var failed = entities.rolloutsProbe("eng").fishForMessage(Duration.ofSeconds(10),
        m -> m instanceof PolicyRollouts.WaveFailed
            ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
            : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
    var wave = (PolicyRollouts.WaveFailed) failed.get(failed.size() - 1);
    assertTrue(wave.message().startsWith("0 of 1 devices acked"), wave.message());
  }

  @Test
  void aRollbackRevertsTheWavesDevicesAndCountsThem() {
    enroll("d1", "core");
    enroll("d2", "core");
    runner.rollBack(rollout(new PolicyRollouts.Selector(true, Map.of(), List.of())));
    for (String id : List.of("d1", "d2")) {
      var revert = entities.deviceProbe(id).expectMessageClass(DeviceCommand.RevertPolicy.class);
      assertEquals("eng", revert.policyName());
      assertEquals(2, revert.fromVersion());
      // d2 stays on the version (the revert found nothing earlier to go back to): not counted.
      revert.replyTo().tell(StatusReply.success(id.equals("d1") ? on(id, "default", 1, 1) : on(id, "eng", 2, 2)));
    }
    var done = entities.rolloutsProbe("eng").expectMessageClass(PolicyRollouts.RollbackDone.class);
    assertEquals("eng-1", done.rolloutId());
    assertEquals(1, done.devicesReverted());
  }
}
