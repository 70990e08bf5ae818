package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.fleetcontrol.policy.CaptureState;
import io.fleetcontrol.policy.Decision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** What device entities hear reaches the directory at the next flush: the latest word per device. */
class PresenceWriterTest {

  private static final ActorTestKit kit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
  private static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final InMemoryDeviceStore store = new InMemoryDeviceStore(new TestClock(T0));

  private DeviceStore.Entry row(String id) {
    List<DeviceStore.Entry> all = new ArrayList<>();
    store.forEach(all::add).toCompletableFuture().join();
    return all.stream().filter(e -> e.deviceId().equals(id)).findFirst().orElse(null);
  }

  @Test
  void theLatestWordOfEachDeviceIsWritten() {
    PresenceWriter writer = PresenceWriter.start(kit.system(), store, Duration.ofMillis(50));
    writer.heard("a", T0, Decision.allow("policy"));
    writer.heard("a", T0.plusSeconds(10), Decision.deny(CaptureState.PAUSED, Decision.Rule.values()[0], "paused"));
    writer.heard("b", T0.plusSeconds(3), Decision.allow("policy"));

    var probe = kit.createTestProbe();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      var a = row("a");
      assertEquals(T0.plusSeconds(10), a == null ? null : a.lastSeen());
      assertEquals("PAUSED", a.captureState());
      assertEquals("paused", a.captureReason());
      assertEquals(T0.plusSeconds(3), row("b") == null ? null : row("b").lastSeen());
      return null;
    });
  }
}
