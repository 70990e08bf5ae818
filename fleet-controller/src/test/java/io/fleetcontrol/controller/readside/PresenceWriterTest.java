package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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

/** The presence writer on its own clock: one flush per simulated second, as the node runs it. */
class PresenceWriterTest {

  private static final ActorTestKit kit =
      ActorTestKit.create(ConfigFactory.parseString("pekko.actor.provider = local"));
  private static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(120);
  private static final Duration STALE = Duration.ofSeconds(35);
  private static final Decision ALLOWED = Decision.allow("policy");
  private static final String NODE = "pekko://fleet@10.0.0.1:25520";

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final TestClock clock = new TestClock(T0);
  private final InMemoryDeviceStore store = new InMemoryDeviceStore(clock);
  private final PresenceWriter writer = new PresenceWriter(kit.system(), store, clock, KEEP_ALIVE, STALE, NODE);

  private DeviceStore.Entry row(String id) {
    List<DeviceStore.Entry> all = new ArrayList<>();
    store.forEach(all::add).toCompletableFuture().join();
    return all.stream().filter(e -> e.deviceId().equals(id)).findFirst().orElse(null);
  }

  private int flush() {
    return writer.flush().toCompletableFuture().join();
  }

  /** {@code seconds} of a device heartbeating every 10 s (if {@code heartbeating}), flushing every second. */
  private int run(String deviceId, int seconds, boolean heartbeating) {
    int writes = 0;
    for (int s = 0; s < seconds; s++) {
      clock.advance(Duration.ofSeconds(1));
      if (heartbeating && s % 10 == 0) {
        writer.heard(deviceId, clock.instant(), ALLOWED);
      }
      writes += flush();
    }
    return writes;
  }

  @Test
  void theLatestWordOfEachDeviceIsWritten() {
    writer.heard("a", T0, ALLOWED);
    writer.heard("a", T0.plusSeconds(10), Decision.deny(CaptureState.PAUSED, Decision.Rule.values()[0], "paused"));
    writer.heard("b", T0.plusSeconds(3), ALLOWED);
    assertEquals(2, flush());
    assertEquals(T0.plusSeconds(10), row("a").lastSeen());
    assertEquals("PAUSED", row("a").captureState());
    assertEquals("paused", row("a").captureReason());
    assertEquals(NODE, row("a").liveOn());
    assertEquals(T0.plusSeconds(3), row("b").lastSeen());
  }

  @Test
  void aJournaledFactIsWrittenAtTheNextFlushOneRowWritePerDevice() {
    var identity = new io.fleetcontrol.policy.DeviceIdentity("a", "ada", "DE", java.util.Map.of(), "1.0.0", "UTC");
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.DeviceEnrolled("a", identity, "c", "e", "t", T0,
        io.fleetcontrol.policy.Policy.starter("default", 1)));
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.PolicyApplied("a", 1, T0.plusSeconds(2), "default"));
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.NoticeAcknowledged("a", 1, T0.plusSeconds(3), "r", null));
    assertNull(row("a"), "nothing before the flush");

    assertEquals(1, flush(), "the enrollment, its first policy and the ack: one write");
    assertEquals("ada", row("a").owner());
    assertEquals(T0, row("a").enrollTime());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("default", 1), row("a").targetPolicy());
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("default", 1), row("a").appliedPolicy());
    assertEquals(0, flush(), "written once");
  }

  @Test
  void aFactWhoseWriteFailedIsWrittenAgainBeforeWhatCameSince() {
    var failing = new java.util.concurrent.atomic.AtomicBoolean(true);
    DeviceStore flaky = (DeviceStore) java.lang.reflect.Proxy.newProxyInstance(DeviceStore.class.getClassLoader(),
        new Class<?>[] {DeviceStore.class}, (proxy, method, args) -> method.getName().equals("update") && failing.get()
            ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("Cassandra is down"))
            : method.invoke(store, args));
    var writer = new PresenceWriter(kit.system(), flaky, clock, KEEP_ALIVE, STALE, NODE);
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.PolicyAssigned("a",
        io.fleetcontrol.policy.Policy.starter("default", 2), T0, "alice"));
    assertEquals(0, writer.flush().toCompletableFuture().join());
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.PolicyAssigned("a",
        io.fleetcontrol.policy.Policy.starter("default", 3), T0.plusSeconds(1), "alice"));
    failing.set(false);
    assertEquals(1, writer.flush().toCompletableFuture().join(), "the failed fact and the later one: one write");
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("default", 3), row("a").targetPolicy());
  }

  @Test
  void aWriteThatThrowsBeforeItStartsFailsAloneAndIsKept() {
    var throwing = new java.util.concurrent.atomic.AtomicBoolean(true);
    DeviceStore broken = (DeviceStore) java.lang.reflect.Proxy.newProxyInstance(DeviceStore.class.getClassLoader(),
        new Class<?>[] {DeviceStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("update") && throwing.get()) {
            throw new IllegalStateException("no session");
          }
          return method.invoke(store, args);
        });
    var writer = new PresenceWriter(kit.system(), broken, clock, KEEP_ALIVE, STALE, NODE);
    writer.journaled(new io.fleetcontrol.device.DeviceEvent.PolicyAssigned("a",
        io.fleetcontrol.policy.Policy.starter("default", 2), T0, "alice"));
    writer.heard("b", T0, ALLOWED);
    assertEquals(1, writer.flush().toCompletableFuture().join(), "the other device's word is written");
    assertEquals(NODE, row("b").liveOn());
    throwing.set(false);
    assertEquals(1, writer.flush().toCompletableFuture().join(), "the fact, kept, goes out at the next flush");
    assertEquals(new io.fleetcontrol.policy.PolicyVersion("default", 2), row("a").targetPolicy());
  }

  @Test
  void operatorsAreToldOfAFlushOnlyWhenNothingIsLeftBehind() {
    List<java.time.Instant> told = new ArrayList<>();
    writer.onFlushed(told::add);
    flush();
    assertEquals(List.of(T0), told, "nothing pending: the presence is as written as it gets");
    clock.advance(Duration.ofSeconds(1));
    writer.heard("a", clock.instant(), ALLOWED);
    flush();
    assertEquals(List.of(T0, T0.plusSeconds(1)), told);

    DeviceStore down = (DeviceStore) java.lang.reflect.Proxy.newProxyInstance(DeviceStore.class.getClassLoader(),
        new Class<?>[] {DeviceStore.class}, (proxy, method, args) -> method.getName().equals("recordPresence")
            ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("Cassandra is down"))
            : method.invoke(store, args));
    var failing = new PresenceWriter(kit.system(), down, clock, KEEP_ALIVE, STALE, NODE);
    List<java.time.Instant> notTold = new ArrayList<>();
    failing.onFlushed(notTold::add);
    failing.heard("b", clock.instant(), ALLOWED);
    failing.flush().toCompletableFuture().join();
    assertEquals(List.of(), notTold, "a write failed: the age keeps growing until the retry succeeds");
  }

  @Test
  void anUnchangedDeviceIsWrittenOncePerKeepAliveNotPerHeartbeat() {
    // Ten minutes of heartbeats every 10 s: 60 heartbeats, five keep-alives.
    int writes = run("a", 600, true);
    assertEquals(5, writes);
    assertEquals(NODE, row("a").liveOn());
  }

  @Test
  void anUnchangedDeviceIsWrittenAgainAKeepAliveAfterItsRowNotAtItsNextHeartbeat() {
    writer.heard("a", T0, ALLOWED);
    flush();
    // Heartbeats at 9 s, 19 s, ... 119 s: none is a keep-alive after the row's 0 s, and the next
    // (129 s) would leave readers 9 s less of their stale-after margin.
    for (int s = 1; s <= 119; s++) {
      clock.advance(Duration.ofSeconds(1));
      if (s % 10 == 9) {
        writer.heard("a", clock.instant(), ALLOWED);
      }
      assertEquals(0, flush(), "nothing to write at " + s + " s");
    }
    clock.advance(Duration.ofSeconds(1));
    assertEquals(1, flush(), "a keep-alive after the row, with no heartbeat at that moment");
    assertEquals(T0.plusSeconds(119), row("a").lastSeen(), "the last heartbeat heard");
    assertEquals(NODE, row("a").liveOn());
    clock.advance(Duration.ofSeconds(9));
    writer.heard("a", clock.instant(), ALLOWED);
    assertEquals(0, flush(), "the next heartbeat is not due");
  }

  @Test
  void aChangedDecisionIsWrittenAtTheNextFlush() {
    run("a", 30, true);
    writer.heard("a", clock.instant(), Decision.deny(CaptureState.PAUSED, Decision.Rule.values()[0], "paused"));
    assertEquals(1, flush());
    assertEquals("PAUSED", row("a").captureState());
    assertEquals(clock.instant(), row("a").lastSeen());
  }

  @Test
  void aDeviceFallenSilentIsWrittenWithItsTrueLastHeartbeatAndNoLongerLive() {
    run("a", 301, true); // the last heartbeat at 301 s; the row was last written at 241 s
    Instant lastHeartbeat = T0.plusSeconds(301);
    assertEquals(T0.plusSeconds(241), row("a").lastSeen());
    int writes = run("a", 40, false);
    assertEquals(1, writes, "one write when it has been silent for stale-after");
    assertEquals(lastHeartbeat, row("a").lastSeen());
    assertEquals("", row("a").liveOn());
    assertEquals(0, run("a", 120, false), "nothing more to say about a silent device");
    writer.heard("a", clock.instant(), ALLOWED);
    assertEquals(1, flush(), "heard again, it is live again at once");
    assertEquals(NODE, row("a").liveOn());
  }

  @Test
  void aDeviceWhoseEntityLeftThisNodeIsWrittenNoLongerLiveOnceAndThenLeftAlone() {
    run("a", 20, true); // heard at 1 s and 11 s; written at 1 s
    writer.forget("a");
    assertEquals(1, run("a", 60, false), "one word: this node no longer vouches for it");
    assertEquals(T0.plusSeconds(11), row("a").lastSeen());
    assertEquals("", row("a").liveOn());
    assertNull(row("b"));
  }

  @Test
  void aWordAfterAnotherWithTheSameHeartbeatStillWins() {
    writer.heard("a", T0, ALLOWED);
    flush();
    // A pause taken between heartbeats: the same last heartbeat, a new word that must replace the old.
    writer.heard("a", T0, Decision.deny(CaptureState.PAUSED, Decision.Rule.values()[0], "paused"));
    flush();
    writer.heard("a", T0, ALLOWED);
    flush();
    assertEquals("ACTIVE", row("a").captureState());
  }
}
