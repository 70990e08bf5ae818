package io.fleetcontrol.controller.readside;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.policy.DeviceIdentity;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.Done;

/**
 * The read side's enrolled devices, one row each. The node that journals a fact and the projection
 * both write it ({@link RowChange}), {@link PresenceWriter} the last word heard; {@link FleetView},
 * the admin facades and rollouts read.
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

  /**
   * A time as the order of writes to a row: microseconds since the epoch, Cassandra's unit of write
   * time, in which both facts ({@link RowChange#at}) and presence words are ordered.
   */
  static long order(Instant at) {
    return ChronoUnit.MICROS.between(Instant.EPOCH, at);
  }

  /** Rows one step of {@link #forEach} reads. */
  int SCAN_PAGE = 1000;

  /**
   * What a device's facts set in its row; a null field leaves its column as it is. {@code at}: the time
   * of the newest fact in it. Two writers send the same facts: the node that journaled them, at once
   * ({@link PresenceWriter}), and the projection, seconds later and again after a crash. The store
   * keeps, column by column, what the change with the latest {@code at} set, whatever order the
   * writes arrive in, so neither writer undoes the other. A group's or a flush's facts of one device
   * fold into one change ({@link #then}): an enrollment, its first policy and the agent's ack cost one
   * row write, not three. The times are the journaling node's clock: two facts of one device journaled
   * on two nodes whose clocks differ by more than the time between them (seconds, since the entity had
   * to move) would be ordered by the clocks, as the projection's writes were when it moved nodes.
   */
  record RowChange(String deviceId, DeviceIdentity identity, Instant enrollTime, PolicyVersion target,
      PolicyVersion applied, Instant at) {

    public RowChange {
      java.util.Objects.requireNonNull(deviceId, "deviceId");
      java.util.Objects.requireNonNull(at, "at: the time orders the writers");
    }

    /** The first enrollment: what the agent declares, and when. */
    public static RowChange enrolled(DeviceIdentity identity, Instant enrollTime) {
      return new RowChange(identity.deviceId(), identity, enrollTime, null, null, enrollTime);
    }

    /** A re-enrollment may change what the agent declares; the first enrollment time stays. */
    public static RowChange identity(DeviceIdentity identity, Instant at) {
      return new RowChange(identity.deviceId(), identity, null, null, null, at);
    }

    public static RowChange target(String deviceId, PolicyVersion target, Instant at) {
      return new RowChange(deviceId, null, null, target, null, at);
    }

    public static RowChange applied(String deviceId, PolicyVersion applied, Instant at) {
      return new RowChange(deviceId, null, null, null, applied, at);
    }

    /** What a device event sets in the directory's row, if anything: the one reading of events both writers use. */
    public static Optional<RowChange> of(DeviceEvent event) {
      if (event instanceof DeviceEvent.DeviceEnrolled e) {
        var enrolled = enrolled(e.identity(), e.enrollTime());
        return Optional.of(e.initialPolicy() == null ? enrolled
            : enrolled.then(target(e.deviceId(), e.initialPolicy().policyVersion(), e.enrollTime())));
      } else if (event instanceof DeviceEvent.DeviceReenrolled e) {
        return Optional.of(identity(e.identity(), e.reenrollTime()));
      } else if (event instanceof DeviceEvent.PolicyAssigned e) {
        return Optional.of(target(e.deviceId(), e.policy().policyVersion(), e.assignTime()));
      } else if (event instanceof DeviceEvent.PolicyApplied e) {
        // Events from before the name was kept carry none; the row then shows the number alone.
        return Optional.of(applied(e.deviceId(), new PolicyVersion(e.policyName(), e.version()), e.applyTime()));
      }
      // Pauses reach the directory as capture state, through PresenceWriter; notices and upload
      // roll-ups are in the audit trail or nowhere.
      return Optional.empty();
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
          later.applied != null ? later.applied : applied,
          later.at.isAfter(at) ? later.at : at);
    }
  }

  /** Writes what the change sets, in one mutation; columns a later change already set keep its values. */
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
