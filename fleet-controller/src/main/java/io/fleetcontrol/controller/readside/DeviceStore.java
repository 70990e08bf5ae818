package io.fleetcontrol.controller.readside;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.DeviceIdentity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;

/**
 * The read side's enrolled devices, one row each. The projection writes the facts, {@link
 * PresenceWriter} the last word heard; {@link FleetView}, the admin facades and rollouts read.
 * Every write stamps {@code updatedAt}, so {@link #changedSince} finds the rows that changed.
 * {@link DeviceDirectory} keeps it in Cassandra; tests use an in-memory one, and one contract
 * test suite runs against both.
 */
public interface DeviceStore {

  /** A device as the read side has it; fields not yet written are null (0 for versions); {@code liveOn}: the node vouching for {@code lastSeen}, empty or null when none ({@link PresenceWriter}). */
  record Entry(
      String deviceId,
      String owner,
      String jurisdiction,
      Map<String, String> labels,
      String agentVersion,
      String timeZone,
      Instant enrollTime,
      PolicyVersion targetPolicy,
      PolicyVersion appliedPolicy,
      Instant lastSeen,
      String liveOn,
      String captureState,
      String captureReason,
      Instant updatedAt) {}

  /** Rows one step of {@link #forEach} reads. */
  int SCAN_PAGE = 1000;

  /**
   * What a device's facts set in its row; a null field leaves its column as it is. The projection
   * folds a group's events of one device into one change ({@link #then}), so an enrollment, its
   * first policy and the agent's ack cost one row write, not three.
   */
  record RowChange(String deviceId, DeviceIdentity identity, Instant enrollTime, PolicyVersion target,
      PolicyVersion applied) {

    /** The first enrollment: what the agent declares, and when. */
    public static RowChange enrolled(DeviceIdentity identity, Instant enrollTime) {
      return new RowChange(identity.deviceId(), identity, enrollTime, null, null);
    }

    /** A re-enrollment may change what the agent declares; the first enrollment time stays. */
    public static RowChange identity(DeviceIdentity identity) {
      return new RowChange(identity.deviceId(), identity, null, null, null);
    }

    public static RowChange target(String deviceId, PolicyVersion target) {
      return new RowChange(deviceId, null, null, target, null);
    }

    public static RowChange applied(String deviceId, PolicyVersion applied) {
      return new RowChange(deviceId, null, null, null, applied);
    }

    public boolean setsNothing() {
      return identity == null && enrollTime == null && target == null && applied == null;
    }

    /** This change followed by {@code later} (of the same device): what the later one sets wins. */
    public RowChange then(RowChange later) {
      if (!deviceId.equals(later.deviceId)) {
        throw new IllegalArgumentException("changes of " + deviceId + " and " + later.deviceId + " do not fold");
      }
      return new RowChange(deviceId,
          later.identity != null ? later.identity : identity,
          later.enrollTime != null ? later.enrollTime : enrollTime,
          later.target != null ? later.target : target,
          later.applied != null ? later.applied : applied);
    }
  }

  /** Writes what the change sets, in one statement. */
  CompletionStage<Done> update(RowChange change);

  /**
   * {@code liveOn}: the node that hears the device and will write again when it falls silent; "" when
   * none ({@link PresenceWriter}). Of a device's presence words the one with the highest {@code order}
   * is kept, whatever order the writes arrive in.
   */
  CompletionStage<Done> recordPresence(String deviceId, Instant lastSeen, String liveOn, String captureState, String reason,
      long order);

  /** Whether there is a row for this device (one written by presence alone counts too). */
  CompletionStage<Boolean> hasDevice(String deviceId);

  /** Rows written at or after {@code since}. */
  CompletionStage<List<Entry>> changedSince(Instant since);

  /**
   * At most {@code limit} devices after {@code afterDeviceId} (null: from the start), in the
   * store's own stable order; paging on with the last id of a page visits every row once.
   */
  CompletionStage<List<Entry>> page(String afterDeviceId, int limit);

  /** Every device, page by page. */
  default CompletionStage<Done> forEach(Consumer<Entry> each) {
    return forEachAfter(this, null, each);
  }

  private static CompletionStage<Done> forEachAfter(DeviceStore store, String after, Consumer<Entry> each) {
    return store.page(after, SCAN_PAGE).thenCompose(batch -> {
      batch.forEach(each);
      return batch.size() < SCAN_PAGE
          ? CompletableFuture.completedFuture(Done.getInstance())
          : forEachAfter(store, batch.get(batch.size() - 1).deviceId(), each);
    });
  }
}
