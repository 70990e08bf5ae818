package io.fleetcontrol.serialization;

import io.fleetcontrol.device.DeviceCommand;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.Exemption;
import io.fleetcontrol.policy.Policy;
import io.fleetcontrol.policy.rollout.RolloutGates;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Replies cross nodes when the entity lives on another node than the asker: each reply type must
 * have a serializer and come back equal. A bare java.util.List or a policy-core record without a
 * binding fails here instead of as an ask timeout in a cluster.
 */
class CrossNodeMessagesTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Instant T = Instant.parse("2026-11-23T08:00:00Z");

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyReplyTypeSurvivesTheTripBetweenNodes() {
    Policy policy = Policy.starter("default", 3);
    PolicyRollouts.Spec spec = new PolicyRollouts.Spec("default", 3,
        new PolicyRollouts.Selector(true, Map.of(), List.of()), List.of(1.0, 100.0), RolloutGates.DEFAULTS);
    PolicyRollouts.Rollout rollout = new PolicyRollouts.Rollout("default-1", spec, PolicyRollouts.Status.RUNNING, 0,
        List.of(), "wave 1 running", "ops", T, T, List.of(new PolicyRollouts.Progress(0, 10, 10, 9, "passed")));
    PolicyRollouts.View view = new PolicyRollouts.View(rollout, null);
    List<Object> replies = List.of(
        policy,
        new PolicyCatalog.PolicyList(List.of(policy)),
        rollout,
        view,
        new PolicyRollouts.Views(List.of(view)),
        new ExemptionRecord("ex-1", ExemptionScope.FULL, ExemptionReason.BATTERY, "low", 
            ExemptionStatus.REQUESTED, T, null, null, null, null),
        StatusReply.success(policy),
        new io.fleetcontrol.device.AgentPush.HeartbeatWanted("d1"),
        new io.fleetcontrol.device.DeviceCommand.StreamStillOpen(testKit.createTestProbe(
            io.fleetcontrol.device.AgentPush.class).ref(), "nonce"),
        new io.fleetcontrol.device.AgentPush.CredentialWithdrawn("d1", "an admin revoked device d1"),
        StatusReply.success(new io.fleetcontrol.device.EnrollOutcome.Enrolled(true)),
        StatusReply.success(new io.fleetcontrol.device.EnrollOutcome.AlreadyEnrolled()),
        StatusReply.success(new io.fleetcontrol.device.EnrollOutcome.Retired()),
        StatusReply.success(new io.fleetcontrol.device.EnrollOutcome.Revoked()),
        new io.fleetcontrol.enrollment.EnrollmentToken.SpendOutcomes(List.of(
            new io.fleetcontrol.enrollment.EnrollmentToken.Granted(Map.of("team", "eng"), "DE", true),
            new io.fleetcontrol.enrollment.EnrollmentToken.Refused(io.fleetcontrol.enrollment.EnrollmentToken.Reason.USED_UP))),
        StatusReply.success(new io.fleetcontrol.enrollment.EnrollmentToken.View("et-0123456789ab",
            new io.fleetcontrol.enrollment.EnrollmentToken.Terms(5, T, Map.of(), ""), 2, T, "ops", false, null)),
        StatusReply.error("device d1 is not enrolled"),
        new io.fleetcontrol.refusal.Refusal.NotFound("device d1 is not enrolled").reply(),
        new io.fleetcontrol.refusal.Refusal.AlreadyExists("policy p already exists").reply(),
        new io.fleetcontrol.refusal.Refusal.Conflict("capture is not paused").reply(),
        new io.fleetcontrol.refusal.Refusal.Unauthenticated("the credential is not valid for device d1").reply());
    Serialization serialization = SerializationExtension.get(testKit.system());
    for (Object reply : replies) {
      byte[] bytes = serialization.serialize(reply).get();
      var serializer = serialization.findSerializerFor(reply);
      Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, reply))
          .get();
      assertEquals(reply, back, reply.getClass().getName());
    }
  }
}
