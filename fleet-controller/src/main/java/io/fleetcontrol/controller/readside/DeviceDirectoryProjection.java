package io.fleetcontrol.controller.readside;

import io.fleetcontrol.device.DeviceEntity;
import io.fleetcontrol.device.DeviceEvent;
import io.fleetcontrol.enrollment.EnrollmentToken;
import io.fleetcontrol.catalog.PolicyCatalog;
import io.fleetcontrol.rollout.PolicyRollouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.cassandra.javadsl.CassandraProjection;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.javadsl.SourceProvider;

/**
 * Keeps the read side ({@link DeviceStore}, {@link ExemptionStore}, {@link AuditStore}) up to date from device events (one
 * projection per device tag), and the audit trail from policy and rollout events (one projection
 * each). At least once, with idempotent writes.
 */
public final class DeviceDirectoryProjection {

  /**
   * Events in a group at most, and how long a group waits to fill. A group's devices are written side
   * by side (per device a row, its audit rows and perhaps an exemption; the day's audit rows in a
   * few batches), so with four tags at most a few hundred statements are in flight, below the
   * driver's 1,024 per connection that the journal shares.
   */
  static final int GROUP_MAX_EVENTS = 50;
  static final Duration GROUP_MAX_WAIT = Duration.ofMillis(100);

  private DeviceDirectoryProjection() {}

  /** {@code lag}: told after each group a device projection wrote (the operators' read-side lag). */
  public static void init(ActorSystem<?> system, DeviceDirectory directory, AuditStore audit, ProjectionLag lag) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "device-directory",
            DeviceEntity.TAGS.size(),
            index -> ProjectionBehavior.create(projection(system, directory, audit, DeviceEntity.TAGS.get(index), lag)),
            ProjectionBehavior.stopMessage());
    List<String> adminTags = List.of(PolicyCatalog.TAG, PolicyRollouts.TAG, EnrollmentToken.TAG);
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "admin-audit",
            adminTags.size(),
            index -> ProjectionBehavior.create(CassandraProjection.atLeastOnce(
                ProjectionId.of("admin-audit", adminTags.get(index)),
                EventSourcedProvider.<Object>eventsByTag(system, CassandraReadJournal.Identifier(), adminTags.get(index)),
                () -> new AdminAuditHandler(audit))),
            ProjectionBehavior.stopMessage());
  }

  private static GroupedProjection<Offset, EventEnvelope<DeviceEvent>> projection(
      ActorSystem<?> system, DeviceDirectory directory, AuditStore audit, String tag, ProjectionLag lag) {
    SourceProvider<Offset, EventEnvelope<DeviceEvent>> source =
        EventSourcedProvider.eventsByTag(system, CassandraReadJournal.Identifier(), tag);
    return CassandraProjection.groupedWithin(
            ProjectionId.of("device-directory", tag), source, () -> new DirectoryHandler(directory, directory, audit, lag, "device-directory-" + tag))
        // A storm's events (thousands of enrollments, a rollout's acks) are written for many devices
        // at once instead of one event after another; the offset is saved after each group.
        .withGroup(GROUP_MAX_EVENTS, GROUP_MAX_WAIT);
  }

  /** Policy versions and rollout decisions into the audit trail. */
  static final class AdminAuditHandler extends Handler<EventEnvelope<Object>> {
    private final AuditStore audit;

    AdminAuditHandler(AuditStore audit) {
      this.audit = audit;
    }

    @Override
    public CompletionStage<Done> process(EventEnvelope<Object> envelope) {
      String id = AuditEntries.eventId(envelope.persistenceId(), envelope.sequenceNr());
      Optional<AuditEntries.AuditEntry> entry = Optional.empty();
      if (envelope.event() instanceof PolicyCatalog.Event e) {
        entry = AuditEntries.of(id, e);
      } else if (envelope.event() instanceof PolicyRollouts.Event e) {
        entry = AuditEntries.of(id, e);
      } else if (envelope.event() instanceof EnrollmentToken.Event e) {
        entry = AuditEntries.of(id, e);
      }
      return entry.map(audit::record).orElse(CompletableFuture.completedFuture(Done.getInstance()));
    }
  }

  /**
   * Idempotent writes: replaying an event after a crash sets the same columns again. A group is
   * written side by side: each device's row once, with what its events in the group set (folded in
   * journal order, so a policy applied after it was assigned reads as applied); each device's
   * exemption writes one after another in journal order; the group's audit entries together.
   */
  static final class DirectoryHandler extends Handler<List<EventEnvelope<DeviceEvent>>> {
    private final DeviceStore devices;
    private final ExemptionStore exemptions;
    private final AuditStore audit;
    private final ProjectionLag lag;
    private final String name;

    DirectoryHandler(DeviceStore devices, ExemptionStore exemptions, AuditStore audit, ProjectionLag lag,
        String name) {
      this.devices = devices;
      this.exemptions = exemptions;
      this.audit = audit;
      this.lag = lag;
      this.name = name;
    }

    @Override
    public CompletionStage<Done> process(List<EventEnvelope<DeviceEvent>> envelopes) {
      Map<String, DeviceStore.RowChange> rows = new LinkedHashMap<>();
      Map<String, CompletionStage<Done>> exemptionWrites = new HashMap<>();
      List<AuditEntries.AuditEntry> trail = new ArrayList<>();
      for (EventEnvelope<DeviceEvent> envelope : envelopes) {
        DeviceEvent event = envelope.event();
        DeviceStore.RowChange.of(event).ifPresent(change -> rows.merge(change.deviceId(), change, DeviceStore.RowChange::then));
        exemptionWrite(event).ifPresent(write -> exemptionWrites.compute(event.deviceId(), (device, earlier) ->
            earlier == null ? write.get() : earlier.thenCompose(done -> write.get())));
        trail.addAll(AuditEntries.of(AuditEntries.eventId(envelope.persistenceId(), envelope.sequenceNr()), event));
      }
      List<CompletableFuture<Done>> writes = new ArrayList<>();
      rows.values().forEach(change -> writes.add(devices.update(change).toCompletableFuture()));
      exemptionWrites.values().forEach(write -> writes.add(write.toCompletableFuture()));
      if (!trail.isEmpty()) {
        writes.add(audit.recordAll(trail).toCompletableFuture());
      }
      return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new))
          .thenApply(all -> {
            envelopes.stream().mapToLong(EventEnvelope::timestamp).max()
                .ifPresent(newest -> lag.written(name, java.time.Instant.ofEpochMilli(newest)));
            return Done.getInstance();
          });
    }

    @Override
    public CompletionStage<Done> stop() {
      lag.stopped(name);
      return CompletableFuture.completedFuture(Done.getInstance());
    }

    /** The exemption table's write for this event, started only when called (after the device's earlier ones). */
    private Optional<Supplier<CompletionStage<Done>>> exemptionWrite(DeviceEvent event) {
      if (event instanceof DeviceEvent.ExemptionRequested e) {
        return Optional.of(() -> exemptions.recordExemptionRequest(e.deviceId(), e.exemptionId(), e.scope().name(),
            e.reason().name(), e.comment(), e.requestTime()));
      } else if (event instanceof DeviceEvent.ExemptionApproved e) {
        return Optional.of(() -> exemptions.recordExemptionDecision(e.deviceId(), e.exemptionId(), "APPROVED",
            e.expireTime(), e.approver(), null, e.decideTime()));
      } else if (event instanceof DeviceEvent.ExemptionDenied e) {
        return Optional.of(() -> exemptions.recordExemptionDecision(e.deviceId(), e.exemptionId(), "DENIED", null,
            e.approver(), e.reason(), e.decideTime()));
      } else if (event instanceof DeviceEvent.ExemptionRevoked e) {
        // As the entity records it: the revoker, the reason and the time are the decision now.
        return Optional.of(() -> exemptions.recordExemptionRevocation(e.deviceId(), e.exemptionId(), e.revokedBy(),
            e.reason(), e.revokeTime()));
      } else if (event instanceof DeviceEvent.ExemptionExpired e) {
        return Optional.of(() -> exemptions.recordExemptionStatus(e.deviceId(), e.exemptionId(), "EXPIRED"));
      }
      return Optional.empty();
    }
  }
}
