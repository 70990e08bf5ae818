package io.fleetcontrol.device;

import io.fleetcontrol.policy.DeviceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.policy.DeviceTelemetry;
import io.fleetcontrol.policy.Policy;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The last hour of heartbeats, as the device's summary shows it: kept in memory, never journaled. */
class DeviceHealthTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final Instant START = Instant.parse("2026-11-23T15:00:00Z");
  private static final String HASH = "nonce-1";
  private static final DeviceIdentity IDENTITY = new DeviceIdentity(
      "laptop-7", "cy@example.com", "US", Map.of(), "0.1.0", "America/New_York");

  private MutableClock clock;
  private EventSourcedBehaviorTestKit<DeviceCommand, DeviceEvent, DeviceState> kit;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    clock = new MutableClock(START);
    kit = EventSourcedBehaviorTestKit.create(testKit.system(),
        DeviceEntity.create("laptop-7", PresenceDirectory.NONE, clock));
    kit.<StatusReply<EnrollOutcome>>runCommand(r -> new DeviceCommand.Enroll(IDENTITY, "enrollment-1", HASH, null, "et-1", Policy.starter("default", 1), r));
    ask(r -> new DeviceCommand.AckPolicy(new io.fleetcontrol.policy.PolicyVersion("default", 1), r));
  }

  private StatusReply<DeviceSummary> ask(Function<ActorRef<StatusReply<DeviceSummary>>, DeviceCommand> command) {
    return kit.<StatusReply<DeviceSummary>>runCommand(command).reply();
  }

  private DeviceSummary current() {
    return ask(DeviceCommand.GetSummary::new).getValue();
  }

  /** One heartbeat a minute on battery, losing one percent each; returns the events they journaled. */
  private int beatEveryMinute(int minutes) {
    int journaled = 0;
    for (int minute = 1; minute <= minutes; minute++) {
      clock.advance(Duration.ofMinutes(1));
      var telemetry = new DeviceTelemetry(true, 95 - minute, false, false, 100_000, 2.0, 80_000_000, 0);
      for (DeviceEvent e : kit.runCommand(new DeviceCommand.Heartbeat(clock.instant(), telemetry, new io.fleetcontrol.policy.PolicyVersion("default", 1), "0.1.0", null, null))
          .events()) {
        assertTrue(e instanceof DeviceEvent.UploadsRolledUp, "a heartbeat journals only upload roll-ups: " + e);
        journaled++;
      }
    }
    return journaled;
  }

  @Test
  void heartbeatsShowInTheSummaryAndJournalNoHealth() {
    assertEquals(0, current().health().samples(), "no heartbeat yet");
    assertFalse(current().health().hasDrainRate());

    int journaled = beatEveryMinute(30);
    assertTrue(journaled <= 3, "upload roll-ups every ten minutes at most, got " + journaled);
    DeviceSummary summary = current();
    assertEquals(30, summary.health().samples());
    assertEquals(60.0, summary.health().batteryDrainPercentPerHour(), 0.5);
    long perHour = summary.health().uploadedBytesPerHour();
    // 3 MB in half an hour; the window counts whole five-minute buckets, the current one included.
    assertTrue(perHour > 5_000_000 && perHour <= 6_000_000, "uploaded per hour: " + perHour);
    assertEquals(2.0, summary.health().agentCpuPercentMean(), 1e-9);
    assertEquals(80_000_000, summary.health().agentRssBytesMax());
  }

  @Test
  void healthStartsAfreshAfterARestartWhilePausesTakenAreKept() {
    beatEveryMinute(5);
    assertTrue(ask(r -> new DeviceCommand.StartPause(null, Duration.ofMinutes(5), null, r)).isSuccess());
    kit.restart();
    DeviceSummary recovered = current();
    assertEquals(0, recovered.health().samples(), "heartbeats were never journaled");
    assertEquals(1, recovered.pausesTakenToday(), "the pause was");
  }

  @Test
  void theSummaryWithItsHealthCrossesNodes() {
    // The summary is the reply to asks from other nodes: it must survive CBOR, a missing drain rate included.
    testKit.serializationTestKit().verifySerialization(current(), true);
    beatEveryMinute(3);
    testKit.serializationTestKit().verifySerialization(current(), true);
  }
}
