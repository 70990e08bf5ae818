package io.fleetcontrol.enrollment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.device.MutableClock;
import io.fleetcontrol.enrollment.EnrollmentToken.Granted;
import io.fleetcontrol.enrollment.EnrollmentToken.Reason;
import io.fleetcontrol.enrollment.EnrollmentToken.Refused;
import io.fleetcontrol.enrollment.EnrollmentToken.SpendOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EnrollmentTokenTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  private static final String SECRET = "hash-of-the-secret";

  private MutableClock clock;
  private EventSourcedBehaviorTestKit<EnrollmentToken.Command, EnrollmentToken.Event, EnrollmentToken.State> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(NOW);
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), EnrollmentToken.create("et-1", clock));
    var terms = new EnrollmentToken.Terms(2, NOW.plus(Duration.ofDays(7)), Map.of("team", "tax"), "DE");
    StatusReply<EnrollmentToken.View> created =
        kit.<StatusReply<EnrollmentToken.View>>runCommand(r -> new EnrollmentToken.Create(terms, SECRET, "ops", r)).reply();
    assertEquals(0, created.getValue().used());
  }

  private SpendOutcome spend(String secret, String device, String enrollment) {
    return kit.<EnrollmentToken.SpendOutcomes>runCommand(r -> new EnrollmentToken.Spend(
        java.util.List.of(new EnrollmentToken.SpendRequest(secret, device, enrollment)), r)).reply().outcomes().get(0);
  }

  @Test
  void aBatchIsCountedInOrderAndWrittenOnce() {
    var batch = kit.<EnrollmentToken.SpendOutcomes>runCommand(r -> new EnrollmentToken.Spend(java.util.List.of(
        new EnrollmentToken.SpendRequest(SECRET, "a", "ea"),
        new EnrollmentToken.SpendRequest("wrong", "x", "ex"),
        new EnrollmentToken.SpendRequest(SECRET, "a", "ea"),
        new EnrollmentToken.SpendRequest(SECRET, "b", "eb"),
        new EnrollmentToken.SpendRequest(SECRET, "c", "ec")), r));
    assertEquals(java.util.List.of(
        new Granted(Map.of("team", "tax"), "DE", true),
        new Refused(Reason.UNKNOWN),
        new Granted(Map.of("team", "tax"), "DE", false),
        new Granted(Map.of("team", "tax"), "DE", true),
        new Refused(Reason.USED_UP)), batch.reply().outcomes());
    assertEquals(2, batch.events().size(), "one write for the batch: two spends");
  }

  @Test
  void aTokenOfThousandsRecoversFromItsSnapshotWithEverySpend() {
    int uses = EnrollmentToken.SNAPSHOT_EVERY + 150;
    var big = EventSourcedBehaviorTestKit.<EnrollmentToken.Command, EnrollmentToken.Event, EnrollmentToken.State>create(
        testKit.system(), EnrollmentToken.create("et-big", clock));
    big.<StatusReply<EnrollmentToken.View>>runCommand(r -> new EnrollmentToken.Create(
        new EnrollmentToken.Terms(uses, NOW.plus(Duration.ofDays(7)), Map.of(), ""), SECRET, "ops", r));
    for (int from = 0; from < uses; from += 100) {
      var batch = new java.util.ArrayList<EnrollmentToken.SpendRequest>();
      for (int i = from; i < Math.min(uses, from + 100); i++) {
        batch.add(new EnrollmentToken.SpendRequest(SECRET, "d" + i, "e" + i));
      }
      big.<EnrollmentToken.SpendOutcomes>runCommand(r -> new EnrollmentToken.Spend(batch, r));
    }
    big.restart();
    assertEquals(uses, big.getState().spends().size());
    var again = big.<EnrollmentToken.SpendOutcomes>runCommand(r -> new EnrollmentToken.Spend(java.util.List.of(
        new EnrollmentToken.SpendRequest(SECRET, "d0", "e0"),
        new EnrollmentToken.SpendRequest(SECRET, "d" + (uses - 1), "e" + (uses - 1)),
        new EnrollmentToken.SpendRequest(SECRET, "new", "e-new")), r)).reply().outcomes();
    assertEquals(java.util.List.of(new Granted(Map.of(), "", false), new Granted(Map.of(), "", false),
        new Refused(Reason.USED_UP)), again, "spends before and after the snapshot both survive; the count is exact");
  }

  @Test
  void aSnapshotIsACopyTheEntitysLaterSpendsDoNotChange() {
    spend(SECRET, "a", "ea");
    EnrollmentToken.State live = kit.getState();
    EnrollmentToken.State snapshot = live.frozen();
    spend(SECRET, "b", "eb");
    assertEquals(2, kit.getState().spends().size());
    assertEquals(1, snapshot.spends().size(), "the copy handed to the snapshot store stays as it was");
    EnrollmentToken.State recovered = snapshot.thawed();
    recovered.spent("another");
    assertEquals(1, snapshot.spends().size(), "a recovered entity works on its own copy");
  }

  @Test
  void usesAreCountedExactlyAndARetryOfTheSameEnrollmentSpendsNothing() {
    assertEquals(new Granted(Map.of("team", "tax"), "DE", true), spend(SECRET, "a", "ea"));
    assertEquals(new Granted(Map.of("team", "tax"), "DE", false), spend(SECRET, "a", "ea"), "the same enrollment again");
    assertTrue(spend(SECRET, "b", "eb") instanceof Granted);
    assertEquals(new Refused(Reason.USED_UP), spend(SECRET, "c", "ec"));
    kit.restart();
    assertEquals(new Refused(Reason.USED_UP), spend(SECRET, "c", "ec"));
    assertTrue(spend(SECRET, "b", "eb") instanceof Granted, "still the same enrollment after recovery");
  }

  @Test
  void aRefundGivesTheUseBack() {
    spend(SECRET, "a", "ea");
    spend(SECRET, "b", "eb");
    kit.runCommand(new EnrollmentToken.Refund("b", "eb"));
    assertTrue(spend(SECRET, "c", "ec") instanceof Granted);
  }

  @Test
  void aWrongSecretLooksLikeAnUnknownTokenAndSpendsNothing() {
    assertEquals(new Refused(Reason.UNKNOWN), spend("wrong", "a", "ea"));
    var view = kit.<StatusReply<EnrollmentToken.View>>runCommand(EnrollmentToken.Get::new).reply().getValue();
    assertEquals(0, view.used());
  }

  @Test
  void expiredAndRevokedTokensAreRefusedButTheSameEnrollmentIsStillAnswered() {
    spend(SECRET, "paid", "ep");
    clock.advance(Duration.ofDays(7));
    assertEquals(new Refused(Reason.EXPIRED), spend(SECRET, "a", "ea"));
    assertEquals(new Granted(Map.of("team", "tax"), "DE", false), spend(SECRET, "paid", "ep"));
    var revoked = kit.<StatusReply<EnrollmentToken.View>>runCommand(r -> new EnrollmentToken.Revoke("ops", r));
    assertTrue(revoked.reply().getValue().revoked());
    assertEquals(new Refused(Reason.REVOKED), spend(SECRET, "a", "ea"));
  }

  @Test
  void anUnknownTokenRefusesEverything() {
    var unknown = EventSourcedBehaviorTestKit.<EnrollmentToken.Command, EnrollmentToken.Event, EnrollmentToken.State>create(
        testKit.system(), EnrollmentToken.create("et-none", clock));
    assertEquals(new Refused(Reason.UNKNOWN), unknown.<EnrollmentToken.SpendOutcomes>runCommand(r ->
        new EnrollmentToken.Spend(java.util.List.of(new EnrollmentToken.SpendRequest(SECRET, "a", "ea")), r))
        .reply().outcomes().get(0));
    assertTrue(unknown.<StatusReply<EnrollmentToken.View>>runCommand(EnrollmentToken.Get::new).reply().isError());
  }
}
