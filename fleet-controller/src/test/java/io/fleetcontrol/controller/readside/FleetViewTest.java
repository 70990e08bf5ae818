package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.CaptureState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node's in-memory copy of the directory: loads, refreshes, ages connection states, pages. */
class FleetViewTest {

  private static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");
  private static final Duration STALE = Duration.ofSeconds(30);
  private static final Duration OFFLINE = Duration.ofSeconds(120);
  private static final Duration KEEP_ALIVE = Duration.ofSeconds(120);
  private java.util.Set<String> liveNodes = java.util.Set.of("node-1");

  private final TestClock clock = new TestClock(T0);
  private final InMemoryDeviceStore store = new InMemoryDeviceStore(clock);
  private final FleetView view = new FleetView(store, clock, new ConnectionRules(STALE, OFFLINE, KEEP_ALIVE), () -> liveNodes, Duration.ofSeconds(5));

  private void enroll(String id, String jurisdiction) {
    store.update(DeviceStore.RowChange.enrolled(new DeviceIdentity(id, "ada", jurisdiction, Map.of("team", id), "1.0.0", "UTC"), T0))
        .toCompletableFuture().join();
  }

  private List<String> ids(List<FleetView.Row> rows) {
    return rows.stream().map(r -> r.entry().deviceId()).toList();
  }

  @Test
  void theFirstLoadHasEnrolledDevicesOnlyAndCompletesLoaded() {
    enroll("a", "DE");
    store.recordPresence("ghost", T0, "", "CAPTURING", "policy", 1).toCompletableFuture().join();
    assertFalse(view.loaded().toCompletableFuture().isDone());
    view.fullLoad().toCompletableFuture().join();
    assertTrue(view.loaded().toCompletableFuture().isDone());
    assertEquals(List.of("a"), ids(view.all()));
  }

  @Test
  void connectionStateComesFromTheAgeOfLastSeenAtQueryTime() {
    enroll("a", "DE");
    store.recordPresence("a", T0, "", "ACTIVE", "policy", 1).toCompletableFuture().join();
    enroll("never", "DE");
    view.fullLoad().toCompletableFuture().join();

    assertEquals(ConnectionState.ONLINE, view.all().get(0).connection());
    assertEquals(CaptureState.ACTIVE, view.all().get(0).captureState());
    clock.advance(STALE.plusSeconds(1));
    assertEquals(ConnectionState.STALE, view.all().get(0).connection());
    clock.advance(OFFLINE);
    assertEquals(ConnectionState.OFFLINE, view.all().get(0).connection());
    assertNull(view.all().get(1).captureState());
  }

  @Test
  void aLiveRowIsOnlineForTheKeepAliveAndThenItsAgeSpeaks() {
    enroll("a", "DE");
    store.recordPresence("a", T0, "node-1", "ACTIVE", "policy", 1).toCompletableFuture().join();
    view.fullLoad().toCompletableFuture().join();
    clock.advance(Duration.ofSeconds(60));
    assertEquals(T0.plusSeconds(60).minus(STALE), view.all().get(0).lastSeen(),
        "a vouched-for device was heard within stale-after, whatever its row's own last_seen");
    clock.advance(KEEP_ALIVE.plus(STALE).minusSeconds(61));
    assertEquals(ConnectionState.ONLINE, view.all().get(0).connection(), "its node vouches for it");
    clock.advance(Duration.ofSeconds(2));
    assertEquals(ConnectionState.STALE, view.all().get(0).connection(), "its node stopped vouching: gone");
    assertEquals(T0, view.all().get(0).lastSeen(), "no longer vouched for: the row's own");
    clock.advance(OFFLINE);
    assertEquals(ConnectionState.OFFLINE, view.all().get(0).connection());
  }

  @Test
  void aRowVouchedForByANodeThatLeftIsReadByItsAge() {
    enroll("a", "DE");
    store.recordPresence("a", T0, "node-2", "ACTIVE", "policy", 1).toCompletableFuture().join();
    view.fullLoad().toCompletableFuture().join();
    clock.advance(STALE.plusSeconds(1));
    assertEquals(ConnectionState.STALE, view.all().get(0).connection(), "node-2 is not among the live nodes");
    liveNodes = java.util.Set.of("node-1", "node-2");
    assertEquals(ConnectionState.ONLINE, view.all().get(0).connection());
  }

  @Test
  void aRefreshBringsRowsChangedSinceAndCountsChanges() {
    enroll("a", "DE");
    view.fullLoad().toCompletableFuture().join();
    long before = view.changes();
    clock.advance(Duration.ofSeconds(10));
    enroll("b", "FR");
    store.update(DeviceStore.RowChange.applied("a", new io.fleetcontrol.policy.PolicyVersion("default", 7), clock.instant())).toCompletableFuture().join();
    view.refresh().toCompletableFuture().join();

    assertEquals(List.of("a", "b"), ids(view.all()));
    assertEquals(7, view.all().get(0).entry().appliedPolicy().version());
    assertEquals(before + 2, view.changes());
  }

  @Test
  void aRowReadAgainThroughTheOverlapKeepsItsLatestValues() {
    enroll("a", "DE");
    view.fullLoad().toCompletableFuture().join();
    clock.advance(Duration.ofSeconds(10));
    store.update(DeviceStore.RowChange.applied("a", new io.fleetcontrol.policy.PolicyVersion("default", 3), clock.instant())).toCompletableFuture().join();
    view.refresh().toCompletableFuture().join();
    // The next refresh reads from 5 s (the overlap) before the previous one: the same row again.
    clock.advance(Duration.ofSeconds(2));
    view.refresh().toCompletableFuture().join();
    assertEquals(1, view.all().size());
    assertEquals(3, view.all().get(0).entry().appliedPolicy().version());
  }

  @Test
  void aPageHasMatchesAfterTheCursorAndTheTotalOfAllMatches() {
    for (String id : List.of("a", "b", "c", "d", "e")) {
      enroll(id, id.equals("c") ? "FR" : "DE");
    }
    view.fullLoad().toCompletableFuture().join();
    var german = (java.util.function.Predicate<FleetView.Row>) r -> "DE".equals(r.entry().jurisdiction());

    FleetView.Page first = view.page(german, null, 2);
    assertEquals(List.of("a", "b"), ids(first.rows()));
    assertEquals("b", first.lastDeviceId());
    assertEquals(4, first.totalMatching());
    FleetView.Page second = view.page(german, first.lastDeviceId(), 2);
    assertEquals(List.of("d", "e"), ids(second.rows()));
    assertNull(second.lastDeviceId());
  }
}
