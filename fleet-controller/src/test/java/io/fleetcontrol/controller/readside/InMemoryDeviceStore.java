package io.fleetcontrol.controller.readside;

import io.fleetcontrol.policy.DeviceIdentity;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;
import org.apache.pekko.Done;

/** {@link DeviceStore} in memory, for unit tests; {@link ReadSideStoreContract} holds it to the Cassandra one's word. */
public final class InMemoryDeviceStore implements DeviceStore {

  private final NavigableMap<String, Entry> rows = new ConcurrentSkipListMap<>();
  private final java.util.Map<String, Long> presenceOrder = new java.util.concurrent.ConcurrentHashMap<>();
  /** Per device, the latest write time of identity, enroll time, target and applied policy. */
  private final java.util.Map<String, long[]> factOrder = new java.util.concurrent.ConcurrentHashMap<>();
  private final Clock clock;

  public InMemoryDeviceStore(Clock clock) {
    this.clock = clock;
  }

  @Override
  public CompletionStage<Done> update(RowChange change) {
    if (change.setsNothing()) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    // As Cassandra with the change's time as the cells' write time: per column, the latest change's
    // value. Decided inside the row's update, so concurrent writes of one device cannot interleave.
    long at = DeviceStore.order(change.at());
    return update(change.deviceId(), e -> {
      long[] times = factOrder.computeIfAbsent(change.deviceId(), id -> new long[] {Long.MIN_VALUE,
          Long.MIN_VALUE, Long.MIN_VALUE, Long.MIN_VALUE});
      DeviceIdentity identity = newer(times, 0, at, change.identity());
      Instant enrollTime = newer(times, 1, at, change.enrollTime());
      var target = newer(times, 2, at, change.target());
      var applied = newer(times, 3, at, change.applied());
      return new Entry(e.deviceId(),
          identity != null ? identity.owner() : e.owner(),
          identity != null ? identity.jurisdiction() : e.jurisdiction(),
          identity != null ? Map.copyOf(identity.labels()) : e.labels(),
          identity != null ? identity.agentVersion() : e.agentVersion(),
          identity != null ? identity.timeZone() : e.timeZone(),
          enrollTime != null ? enrollTime : e.enrollTime(),
          target != null ? target : e.targetPolicy(),
          applied != null ? applied : e.appliedPolicy(),
          e.lastSeen(), e.liveOn(), e.captureState(), e.captureReason(), now());
    });
  }

  /** {@code value} if it is set and no later change set this column, else null (the column stays). */
  private static <T> T newer(long[] times, int column, long at, T value) {
    if (value == null || at < times[column]) {
      return null;
    }
    times[column] = at;
    return value;
  }

  @Override
  public CompletionStage<Done> recordPresence(String deviceId, Instant lastSeen, String liveOn, String captureState,
      String reason, long order) {
    // As Cassandra with the order as the cells' write time: an older word does not replace a newer.
    if (presenceOrder.merge(deviceId, order, Math::max) != order) {
      return update(deviceId, e -> new Entry(e.deviceId(), e.owner(), e.jurisdiction(), e.labels(), e.agentVersion(),
          e.timeZone(), e.enrollTime(), e.targetPolicy(), e.appliedPolicy(), e.lastSeen(), e.liveOn(),
          e.captureState(), e.captureReason(), now()));
    }
    return update(deviceId, e -> new Entry(e.deviceId(), e.owner(), e.jurisdiction(), e.labels(), e.agentVersion(),
        e.timeZone(), e.enrollTime(), e.targetPolicy(), e.appliedPolicy(), lastSeen, liveOn,
        captureState, reason, now()));
  }

  @Override
  public CompletionStage<Boolean> hasDevice(String deviceId) {
    return CompletableFuture.completedFuture(rows.containsKey(deviceId));
  }

  @Override
  public CompletionStage<List<Entry>> changedSince(Instant since) {
    return CompletableFuture.completedFuture(rows.values().stream()
        .filter(e -> e.updatedAt() != null && !e.updatedAt().isBefore(since)).toList());
  }

  @Override
  public CompletionStage<List<Entry>> page(String afterDeviceId, int limit) {
    var from = afterDeviceId == null ? rows : rows.tailMap(afterDeviceId, false);
    return CompletableFuture.completedFuture(from.values().stream().limit(limit).toList());
  }

  /** Like a Cassandra UPDATE: the row is made if it is not there, with the other fields empty. */
  private CompletionStage<Done> update(String deviceId, UnaryOperator<Entry> change) {
    rows.compute(deviceId, (id, old) -> change.apply(old != null ? old
        : new Entry(id, null, null, Map.of(), null, null, null, io.fleetcontrol.policy.PolicyVersion.NONE, io.fleetcontrol.policy.PolicyVersion.NONE, null, null, null, null, null)));
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  /** Cassandra keeps milliseconds; so does this, so both stores answer alike. */
  private Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }
}
