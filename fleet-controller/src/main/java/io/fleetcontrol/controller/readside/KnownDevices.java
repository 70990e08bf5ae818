package io.fleetcontrol.controller.readside;

import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import io.fleetcontrol.controller.grpc.GrpcErrors;
import io.fleetcontrol.device.DeviceEntity;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * Whether a device id was ever enrolled, answered without asking (and so starting) its entity: an
 * admin call naming a made-up id must not load an entity from Cassandra and keep it in memory.
 * The device directory answers first; a device enrolled in the last second may not be there yet
 * (its node writes the row at its next flush, the projection seconds later), so a miss is checked
 * against the journal's index of persistence ids, which the journal writes with an entity's first
 * event. Both are one key read.
 */
public final class KnownDevices {

  /** The journal's index of persistence ids: whether a device's entity wrote its first event. */
  @FunctionalInterface
  public interface Journal {
    CompletionStage<Boolean> hasEntity(String deviceId);
  }

  private final DeviceStore directory;
  private final Journal journal;

  public KnownDevices(DeviceStore directory, Journal journal) {
    this.directory = directory;
    this.journal = journal;
  }

  /** The Cassandra journal's {@code all_persistence_ids} table: one key read. */
  public static Journal cassandraJournal(CassandraSession session, Config journalConfig) {
    String table = journalConfig.getString("keyspace") + "." + journalConfig.getString("all-persistence-ids-table");
    return deviceId -> session.selectOne(SimpleStatement.newInstance(
            "SELECT persistence_id FROM " + table + " WHERE persistence_id = ?",
            PersistenceId.of(DeviceEntity.ENTITY_KEY.name(), deviceId).id()))
        .thenApply(java.util.Optional::isPresent);
  }

  public CompletionStage<Boolean> exists(String deviceId) {
    return directory.hasDevice(deviceId).thenCompose(listed -> listed
        ? CompletableFuture.completedFuture(true)
        : journal.hasEntity(deviceId));
  }

  /** Completes when the device exists; else fails with NOT_FOUND, as its entity would have said. */
  public CompletionStage<Void> require(String deviceId) {
    return exists(deviceId)
        .exceptionally(failure -> {
          throw new GrpcServiceException(Status.UNAVAILABLE.withDescription(
              "could not look up device " + deviceId + " in the read side; retry: " + GrpcErrors.message(failure)));
        })
        .thenAccept(found -> {
          if (!found) {
            throw new GrpcServiceException(Status.NOT_FOUND.withDescription("device " + deviceId + " is not enrolled"));
          }
        });
  }
}
