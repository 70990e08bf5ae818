package io.fleetcontrol.controller.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.controller.admin.PolicyAdmin;
import io.fleetcontrol.controller.cluster.ProbeEntities;
import io.fleetcontrol.controller.readside.InMemoryDeviceStore;
import io.fleetcontrol.controller.readside.KnownDevices;
import io.fleetcontrol.controller.readside.TestClock;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.proto.v1.DeviceSelector;
import io.fleetcontrol.proto.v1.GetRolloutRequest;
import io.fleetcontrol.proto.v1.StartRolloutRequest;
import io.fleetcontrol.rollout.PolicyRollouts;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RolloutAdminTest {

  private static final ActorTestKit kit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final InMemoryDeviceStore devices = new InMemoryDeviceStore(new TestClock(Instant.EPOCH));
  private final ProbeEntities entities = new ProbeEntities(kit);
  private final PolicyAdmin policies = new PolicyAdmin(kit.system(), entities, devices,
      new KnownDevices(devices, id -> CompletableFuture.completedFuture(false)), Duration.ofSeconds(3));
  private final RolloutAdmin admin = new RolloutAdmin(entities, policies, Duration.ofSeconds(3));

  private static GrpcServiceException refusal(CompletionStage<?> answer) {
    CompletionException e = assertThrows(CompletionException.class, () -> answer.toCompletableFuture().join());
    return (GrpcServiceException) e.getCause();
  }

  @Test
  void aPassedWaveKeepsItsDeviceAndAckCountsAndTheRunningOneShowsItsProgress() {
    var spec = new PolicyRollouts.Spec("eng", 2, new PolicyRollouts.Selector(true, Map.of(), List.of()),
        List.of(10.0, 100.0), io.fleetcontrol.policy.rollout.RolloutGates.DEFAULTS);
    var rollout = new PolicyRollouts.Rollout("eng-1", spec, PolicyRollouts.Status.RUNNING, 1, List.of("10 of 10 acked"),
        "wave 2 running", "alice", Instant.EPOCH, Instant.EPOCH, List.of(new PolicyRollouts.Progress(0, 10, 10, 10, "passed")));

    var proto = RolloutAdmin.toProto(new PolicyRollouts.View(rollout, new PolicyRollouts.Progress(1, 90, 40, 25, "waiting for acks")));

    assertEquals("passed", proto.getWaves(0).getState());
    assertEquals(10, proto.getWaves(0).getDeviceCount());
    assertEquals(10, proto.getWaves(0).getAckedCount());
    assertEquals(90, proto.getWaves(1).getDeviceCount());
    assertEquals(25, proto.getWaves(1).getAckedCount());
  }

  @Test
  void anInvalidRolloutNamesEveryProblemAndStartsNothing() {
    GrpcServiceException e = assertThrows(GrpcServiceException.class, () -> admin.startRollout(
        StartRolloutRequest.newBuilder().addWavePercents(50).addWavePercents(20).build(), "olga"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    String why = e.getStatus().getDescription();
    assertTrue(why.contains("policy_name"), why);
    assertTrue(why.contains("policy_version"), why);
    assertTrue(why.contains("selector"), why);
    entities.catalog.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aValidRolloutStartsOnThePolicysEntity() {
    CompletionStage<?> started = admin.startRollout(StartRolloutRequest.newBuilder().setPolicyName("eng")
        .setPolicyVersion(2).setSelector(DeviceSelector.newBuilder().setAll(true)).build(), "olga");
    entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class).replyTo()
        .tell(StatusReply.success(Policy.starter("eng", 2)));
    var start = entities.rolloutsProbe("eng").expectMessageClass(PolicyRollouts.Start.class);
    assertEquals("olga", start.by());
    assertEquals(2, start.spec().policyVersion());
    start.replyTo().tell(new io.fleetcontrol.refusal.Refusal.Conflict("policy eng has a running rollout eng-1").reply());
    assertEquals(Status.Code.FAILED_PRECONDITION, refusal(started).getStatus().getCode());
  }

  @Test
  void aRolloutOfAnUnknownPolicyIsNotFoundWithoutStartingItsEntity() {
    CompletionStage<?> got = admin.get(GetRolloutRequest.newBuilder().setRolloutId("nope-3").build());
    entities.catalog.expectMessageClass(PolicyCatalog.GetPolicy.class).replyTo()
        .tell(new io.fleetcontrol.refusal.Refusal.NotFound("policy nope does not exist").reply());
    assertEquals(Status.Code.NOT_FOUND, refusal(got).getStatus().getCode());
    entities.rolloutsProbe("nope").expectNoMessage(Duration.ofMillis(100));
  }
}
