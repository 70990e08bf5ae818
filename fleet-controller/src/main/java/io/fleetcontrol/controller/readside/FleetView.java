package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.ConnectionState;
import io.fleetcontrol.policy.CaptureState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's copy of the device directory, in memory, for fleet queries. Counting a fleet by five
 * dimensions is not something Cassandra answers in milliseconds (no GROUP BY on ordinary columns),
 * and asking 100,000 entities is out of the question, so every node keeps the directory's rows
 * (a few hundred bytes each) and answers summaries and filtered lists from them.
 *
 * <p>The table stays the truth: the copy is loaded from it at start and then refreshed every
 * {@code refreshInterval} with the rows whose {@code updated_at} is newer than the previous
 * refresh (minus an overlap for writes still in flight), through the storage-attached index on
 * that column. A full reload every {@code fullReloadInterval} catches anything a refresh missed.
 * Connection state is computed at query time from the age of {@code last_seen} ({@link ConnectionRules}).
 */
public final class FleetView {

  private static final Logger log = LoggerFactory.getLogger(FleetView.class);

  /**
   * One device as queries see it: its directory row, its connection state now, and its last heartbeat
   * as far as the row tells ({@link ConnectionRules#lastSeen}: a live row's own is up to a keep-alive old).
   */
  public record Row(DeviceStore.Entry entry, ConnectionState connection, CaptureState captureState, Instant lastSeen) {}

  /** A page of matches in device-id order; {@code lastDeviceId} is null when nothing follows. */
  public record Page(List<Row> rows, String lastDeviceId, long totalMatching) {}

  private final NavigableMap<String, DeviceStore.Entry> byDeviceId = new ConcurrentSkipListMap<>();
  private final DeviceStore directory;
  private final Clock clock;
  private final ConnectionRules rules;
  private final Supplier<Set<String>> liveNodesNow;
  private final Duration overlap;
  private final CompletableFuture<Void> loaded = new CompletableFuture<>();
  private final AtomicBoolean refreshing = new AtomicBoolean();
  private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
  private volatile Instant refreshedFrom;
  private volatile Instant lastFullLoad;

  /** {@code liveNodes}: the cluster's nodes now (not downed or removed), whose presence rows are to be trusted. */
  public FleetView(DeviceStore directory, Clock clock, ConnectionRules rules, Supplier<Set<String>> liveNodes,
      Duration overlap) {
    this.directory = directory;
    this.clock = clock;
    this.rules = rules;
    this.liveNodesNow = liveNodes;
    this.overlap = overlap;
  }

  /** Loads the directory, then keeps refreshing it on the system's scheduler. */
  public void start(ActorSystem<?> system, Duration refreshInterval, Duration fullReloadInterval) {
    fullLoad().whenComplete((done, failure) -> {
      if (failure != null) {
        log.warn("Fleet view: first load failed ({}); trying again at the next refresh", failure.toString());
      }
    });
    system.scheduler().scheduleWithFixedDelay(refreshInterval, refreshInterval, () -> {
      boolean reload = lastFullLoad == null
          || Duration.between(lastFullLoad, clock.instant()).compareTo(fullReloadInterval) >= 0;
      (reload ? fullLoad() : refresh()).whenComplete((done, failure) -> {
        if (failure != null) {
          log.warn("Fleet view refresh failed: {}", failure.toString());
        }
      });
    }, system.executionContext());
  }

  /** Completes when the first full load has finished; queries wait for it. */
  public CompletionStage<Void> loaded() {
    return loaded;
  }

  public ConnectionRules rules() {
    return rules;
  }

  CompletionStage<Void> fullLoad() {
    if (!refreshing.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    Instant from = clock.instant();
    return directory.forEach(this::merge)
        .<Void>thenApply(done -> {
          refreshedFrom = from;
          lastFullLoad = from;
          loaded.complete(null);
          return null;
        })
        .whenComplete((done, failure) -> refreshing.set(false));
  }

  CompletionStage<Void> refresh() {
    Instant since = refreshedFrom;
    if (since == null || !refreshing.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    Instant from = clock.instant();
    return directory.changedSince(since.minus(overlap))
        .<Void>thenApply(changed -> {
          changed.forEach(this::merge);
          refreshedFrom = from;
          return null;
        })
        .whenComplete((done, failure) -> refreshing.set(false));
  }

  /** Keeps the newer of two versions of a row; rows of devices not yet enrolled are left out. */
  private void merge(DeviceStore.Entry entry) {
    if (entry.enrollTime() == null) {
      return; // presence arrived before the enrollment was projected; the next refresh brings both
    }
    DeviceStore.Entry kept = byDeviceId.merge(entry.deviceId(), entry, (old, fresh) ->
        old.updatedAt() != null && fresh.updatedAt() != null && fresh.updatedAt().isBefore(old.updatedAt())
            ? old : fresh);
    if (kept == entry) {
      changes.incrementAndGet();
    }
  }

  /** Grows with every row that changed; equal values mean the same rows (ages aside). */
  public long changes() {
    return changes.get();
  }

  /** Every device now, in device-id order. */
  public List<Row> all() {
    Instant now = clock.instant();
    Set<String> liveNodes = liveNodesNow.get();
    List<Row> rows = new ArrayList<>(byDeviceId.size());
    for (DeviceStore.Entry entry : byDeviceId.values()) {
      rows.add(row(entry, now, liveNodes));
    }
    return rows;
  }

  /** Up to {@code pageSize} matching rows after {@code afterDeviceId}, and how many match in all. */
  public Page page(Predicate<Row> filter, String afterDeviceId, int pageSize) {
    Instant now = clock.instant();
    Set<String> liveNodes = liveNodesNow.get();
    Collection<DeviceStore.Entry> entries = byDeviceId.values();
    List<Row> rows = new ArrayList<>(Math.min(pageSize, 1024));
    long total = 0;
    String last = null;
    boolean more = false;
    for (DeviceStore.Entry entry : entries) {
      Row row = row(entry, now, liveNodes);
      if (!filter.test(row)) {
        continue;
      }
      total++;
      if (afterDeviceId != null && entry.deviceId().compareTo(afterDeviceId) <= 0) {
        continue;
      }
      if (rows.size() < pageSize) {
        rows.add(row);
        last = entry.deviceId();
      } else {
        more = true;
      }
    }
    return new Page(rows, more ? last : null, total);
  }

  private Row row(DeviceStore.Entry entry, Instant now, Set<String> liveNodes) {
    CaptureState capture = null;
    if (entry.captureState() != null) {
      try {
        capture = CaptureState.valueOf(entry.captureState());
      } catch (IllegalArgumentException unknown) {
        capture = null; // written by a newer version; shown as unspecified
      }
    }
    // A row is live only while the node vouching for it is still a member.
    boolean live = entry.liveOn() != null && liveNodes.contains(entry.liveOn());
    return new Row(entry, rules.state(entry.lastSeen(), live, now), capture, rules.lastSeen(entry.lastSeen(), live, now));
  }
}
