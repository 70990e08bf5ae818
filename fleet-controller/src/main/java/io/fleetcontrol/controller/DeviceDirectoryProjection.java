package io.fleetcontrol.controller;

import io.fleetcontrol.device.DeviceEntity;
import java.util.concurrent.CompletionStage;
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
import org.apache.pekko.projection.javadsl.AtLeastOnceProjection;
import org.apache.pekko.projection.javadsl.Handler;
import org.apache.pekko.projection.javadsl.SourceProvider;

/** Keeps {@link DeviceDirectory} up to date from device events: one projection per tag. */
final class DeviceDirectoryProjection {

  private DeviceDirectoryProjection() {}

  static void init(ActorSystem<?> system, DeviceDirectory directory) {
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "device-directory",
            DeviceEntity.TAGS.size(),
            index -> ProjectionBehavior.create(projection(system, directory, DeviceEntity.TAGS.get(index))),
            ProjectionBehavior.stopMessage());
  }

  private static AtLeastOnceProjection<Offset, EventEnvelope<DeviceEntity.Event>> projection(
      ActorSystem<?> system, DeviceDirectory directory, String tag) {
    SourceProvider<Offset, EventEnvelope<DeviceEntity.Event>> source =
        EventSourcedProvider.eventsByTag(system, CassandraReadJournal.Identifier(), tag);
    return CassandraProjection.atLeastOnce(
        ProjectionId.of("device-directory", tag), source, () -> new DirectoryHandler(directory));
  }

  /** Idempotent writes: replaying an event after a crash sets the same columns again. */
  static final class DirectoryHandler extends Handler<EventEnvelope<DeviceEntity.Event>> {
    private final DeviceDirectory directory;

    DirectoryHandler(DeviceDirectory directory) {
      this.directory = directory;
    }

    @Override
    public CompletionStage<Done> process(EventEnvelope<DeviceEntity.Event> envelope) {
      DeviceEntity.Event event = envelope.event();
      if (event instanceof DeviceEntity.DeviceEnrolled e) {
        return directory.recordEnrollment(e.identity(), e.enrollTime());
      } else if (event instanceof DeviceEntity.DeviceReenrolled e) {
        return directory.recordIdentity(e.identity());
      } else if (event instanceof DeviceEntity.PolicyAssigned e) {
        return directory.updateTarget(e.deviceId(), e.policy().name(), e.policy().version());
      } else if (event instanceof DeviceEntity.PolicyApplied e) {
        return directory.updateApplied(e.deviceId(), e.version());
      } else if (event instanceof DeviceEntity.ExemptionRequested e) {
        return directory.recordExemptionRequest(e.deviceId(), e.exemptionId(), e.scope().name(),
            e.reason().name(), e.comment(), e.requestTime());
      } else if (event instanceof DeviceEntity.ExemptionApproved e) {
        return directory.recordExemptionDecision(e.deviceId(), e.exemptionId(), "APPROVED",
            e.expireTime(), e.approver(), null, e.decideTime());
      } else if (event instanceof DeviceEntity.ExemptionDenied e) {
        return directory.recordExemptionDecision(e.deviceId(), e.exemptionId(), "DENIED", null,
            e.approver(), e.reason(), e.decideTime());
      } else if (event instanceof DeviceEntity.ExemptionRevoked e) {
        return directory.recordExemptionStatus(e.deviceId(), e.exemptionId(), "REVOKED");
      } else if (event instanceof DeviceEntity.ExemptionExpired e) {
        return directory.recordExemptionStatus(e.deviceId(), e.exemptionId(), "EXPIRED");
      }
      // Pauses, notices and upload roll-ups are not (yet) in the directory.
      return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
    }
  }
}
