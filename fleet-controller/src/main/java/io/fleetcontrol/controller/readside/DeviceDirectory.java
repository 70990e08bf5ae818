package io.fleetcontrol.controller.readside;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.policy.DeviceIdentity;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionRecord;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.policy.SharedStrings;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The read-side tables of enrolled devices and of exemptions. A device's facts come from the node
 * that journaled them ({@link PresenceWriter}, within a second) and from the journal through {@link
 * DeviceDirectoryProjection} (seconds later; exemptions only from there); last-seen time and capture
 * state come from {@link PresenceWriter}, because heartbeats are not journaled. Every write stamps
 * {@code updated_at}, which has a storage-attached index, so each node's {@link FleetView} can fetch
 * just the rows that changed since it last looked. The Cassandra {@link DeviceStore} and {@link ExemptionStore}.
 */
public final class DeviceDirectory implements DeviceStore, ExemptionStore {

  private static final String COLUMNS =
      "device_id, owner, jurisdiction, labels, agent_version, time_zone, enroll_time, "
          + "policy_name, target_policy_version, applied_policy_name, applied_policy_version, last_seen, live_on, capture_state, "
          + "capture_reason, updated_at";

  private final CassandraSession session;
  private final String keyspace;
  private final Clock clock;

  public DeviceDirectory(CassandraSession session, String keyspace, Clock clock) {
    this.session = session;
    this.keyspace = keyspace;
    this.clock = clock;
  }

  private static final String QUEUE_FILLED = "exemptions_by_status filled";

  /**
   * Fills the approvers' queue from the per-device table, once per deployment: exemptions written
   * before the queue existed (an upgrade) would be missing from ListExemptions until their next
   * event. Each row is placed by {@link #moveStatusRow}, which is idempotent, so nodes starting
   * together may both run it; the mark is written only once every row is placed.
   */
  public CompletionStage<Done> fillExemptionQueueOnce(org.apache.pekko.stream.Materializer materializer) {
    return session.selectOne("SELECT name FROM " + keyspace + ".migrations WHERE name = ?", QUEUE_FILLED)
        .thenCompose(mark -> mark.isPresent()
            ? CompletableFuture.completedFuture(Done.getInstance())
            : session.select("SELECT device_id, exemption_id FROM " + keyspace + ".exemptions")
                .mapAsync(4, row -> moveStatusRow(row.getString("device_id"), row.getString("exemption_id")))
                .runWith(org.apache.pekko.stream.javadsl.Sink.ignore(), materializer)
                .thenCompose(done -> session.executeWrite("INSERT INTO " + keyspace
                    + ".migrations (name, done_at) VALUES (?, ?)", QUEUE_FILLED, clock.instant())));
  }

  // ---- exemptions ----

  @Override
  public CompletionStage<Done> recordExemptionRequest(
      String deviceId, String exemptionId, String scope, String reason, String comment, Instant at) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET scope = ?, reason = ?, comment = ?, status = ?, "
            + "request_time = ? WHERE device_id = ? AND exemption_id = ?",
        scope, reason, comment, "REQUESTED", at, deviceId, exemptionId)
        .thenCompose(done -> moveStatusRow(deviceId, exemptionId));
  }

  @Override
  public CompletionStage<Done> recordExemptionDecision(
      String deviceId, String exemptionId, String status, Instant expireTime, String by, String why, Instant at) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET status = ?, expire_time = ?, decided_by = ?, "
            + "decision_reason = ?, decide_time = ? WHERE device_id = ? AND exemption_id = ?",
        status, expireTime, by, why, at, deviceId, exemptionId)
        .thenCompose(done -> moveStatusRow(deviceId, exemptionId));
  }

  @Override
  public CompletionStage<Done> recordExemptionRevocation(
      String deviceId, String exemptionId, String by, String why, Instant at) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET status = ?, decided_by = ?, decision_reason = ?, decide_time = ? "
            + "WHERE device_id = ? AND exemption_id = ?",
        "REVOKED", by, why, at, deviceId, exemptionId)
        .thenCompose(done -> moveStatusRow(deviceId, exemptionId));
  }

  @Override
  public CompletionStage<Done> recordExemptionStatus(String deviceId, String exemptionId, String status) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET status = ? WHERE device_id = ? AND exemption_id = ?",
        status, deviceId, exemptionId)
        .thenCompose(done -> moveStatusRow(deviceId, exemptionId));
  }

  /**
   * Copies the exemption's row, as the per-device table now has it, to its status's partition and
   * deletes it from every other status's: idempotent, so an event replayed after a crash (or
   * replayed after a later one) leaves the two tables agreeing. The request time never changes, so
   * the old rows' keys are known without remembering the old status.
   */
  private CompletionStage<Done> moveStatusRow(String deviceId, String exemptionId) {
    return session
        .selectOne(SimpleStatement.newInstance("SELECT * FROM " + keyspace
            + ".exemptions WHERE device_id = ? AND exemption_id = ?", deviceId, exemptionId))
        .thenCompose(found -> {
          if (found.isEmpty() || found.get().getInstant("request_time") == null
              || !EXEMPTION_STATUSES.contains(found.get().getString("status"))) {
            // A decision whose request row is not there cannot be placed in the queue.
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          ExemptionRow row = exemptionRow(found.get());
          String month = ExemptionStore.exemptionMonth(row.requestTime());
          var batch = com.datastax.oss.driver.api.core.cql.BatchStatement.builder(
              com.datastax.oss.driver.api.core.cql.DefaultBatchType.LOGGED);
          for (String other : EXEMPTION_STATUSES) {
            if (!other.equals(row.status())) {
              batch.addStatement(SimpleStatement.newInstance("DELETE FROM " + keyspace + ".exemptions_by_status "
                      + "WHERE status = ? AND month = ? AND request_time = ? AND device_id = ? AND exemption_id = ?",
                  other, month, row.requestTime(), deviceId, exemptionId));
            }
          }
          batch.addStatement(SimpleStatement.newInstance("INSERT INTO " + keyspace + ".exemptions_by_status "
                  + "(status, month, request_time, device_id, exemption_id, scope, reason, comment, expire_time, "
                  + "decided_by, decision_reason, decide_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              row.status(), month, row.requestTime(), deviceId, exemptionId, row.scope(), row.reason(),
              row.comment(), row.expireTime(), row.decidedBy(), row.decisionReason(), row.decideTime()));
          batch.addStatement(SimpleStatement.newInstance(
              "INSERT INTO " + keyspace + ".exemption_months (status, month) VALUES (?, ?)", row.status(), month));
          return session.executeWriteBatch(batch.build());
        });
  }

  /** Months of {@code status} that have rows, oldest first, from {@code fromMonth} (null: the first). */
  @Override
  public CompletionStage<List<String>> exemptionMonths(String status, String fromMonth, int limit) {
    String select = "SELECT month FROM " + keyspace + ".exemption_months WHERE status = ?";
    SimpleStatement statement = fromMonth == null
        ? SimpleStatement.newInstance(select + " LIMIT ?", status, limit)
        : SimpleStatement.newInstance(select + " AND month >= ? LIMIT ?", status, fromMonth, limit);
    return session.selectAll(statement).thenApply(rows -> rows.stream().map(r -> r.getString("month")).toList());
  }

  /**
   * At most {@code limit} exemptions of one status and month, oldest request first, after the key
   * {@code after} (null: from the first): one slice of one partition.
   */
  @Override
  public CompletionStage<List<ExemptionRow>> exemptionsOfMonth(String status, String month, ExemptionKey after, int limit) {
    String select = "SELECT * FROM " + keyspace + ".exemptions_by_status WHERE status = ? AND month = ?";
    SimpleStatement statement = after == null
        ? SimpleStatement.newInstance(select + " LIMIT ?", status, month, limit)
        : SimpleStatement.newInstance(select + " AND (request_time, device_id, exemption_id) > (?, ?, ?) LIMIT ?",
            status, month, after.requestTime(), after.deviceId(), after.exemptionId(), limit);
    return session.selectAll(statement).thenApply(rows -> rows.stream().map(DeviceDirectory::exemptionRow).toList());
  }

  /**
   * One device's exemptions (one partition, at most {@code limit} rows), with a status or any
   * (status null).
   */
  @Override
  public CompletionStage<List<ExemptionRow>> exemptionsOfDevice(String deviceId, String status, int limit) {
    String table = "SELECT * FROM " + keyspace + ".exemptions WHERE device_id = ?";
    SimpleStatement statement = status == null
        ? SimpleStatement.newInstance(table + " LIMIT ?", deviceId, limit)
        : SimpleStatement.newInstance(table + " AND status = ? LIMIT ?", deviceId, status, limit);
    return session.selectAll(statement).thenApply(rows -> rows.stream().map(DeviceDirectory::exemptionRow).toList());
  }

  private static ExemptionRow exemptionRow(Row row) {
    return new ExemptionRow(
        row.getString("device_id"), row.getString("exemption_id"), row.getString("scope"),
        row.getString("reason"), row.getString("comment"), row.getString("status"),
        row.getInstant("request_time"), row.getInstant("expire_time"), row.getString("decided_by"),
        row.getString("decision_reason"), row.getInstant("decide_time"));
  }

  /** Whether the directory has a row for this device: one key read. */
  @Override
  public CompletionStage<Boolean> hasDevice(String deviceId) {
    return session
        .selectOne(SimpleStatement.newInstance(
            "SELECT device_id FROM " + keyspace + ".devices WHERE device_id = ?", deviceId))
        .thenApply(java.util.Optional::isPresent);
  }

  // ---- devices ----

  /** One mutation of the columns the change sets (a dozen statement shapes at most, prepared by the session). */
  @Override
  public CompletionStage<Done> update(RowChange change) {
    if (change.setsNothing()) {
      // updated_at alone would make a row for a device nothing was said about.
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    StringBuilder set = new StringBuilder();
    List<Object> values = new java.util.ArrayList<>();
    DeviceIdentity identity = change.identity();
    if (identity != null) {
      set.append("owner = ?, jurisdiction = ?, labels = ?, agent_version = ?, time_zone = ?, ");
      values.addAll(java.util.Arrays.asList(identity.owner(), identity.jurisdiction(), identity.labels(),
          identity.agentVersion(), identity.timeZone()));
    }
    if (change.enrollTime() != null) {
      set.append("enroll_time = ?, ");
      values.add(change.enrollTime());
    }
    if (change.target() != null) {
      set.append("policy_name = ?, target_policy_version = ?, ");
      values.add(change.target().policyName());
      values.add(change.target().version());
    }
    if (change.applied() != null) {
      set.append("applied_policy_name = ?, applied_policy_version = ?, ");
      values.add(change.applied().policyName());
      values.add(change.applied().version());
    }
    // The fact's cells carry its time as their write time, so of two writes of a column the later fact
    // wins in Cassandra whichever arrives last (the journaling node's or the projection's).
    set.setLength(set.length() - 2);
    return writeOrdered(change.deviceId(), DeviceStore.order(change.at()), set.toString(), values);
  }

  /**
   * Sets {@code columns} ("a = ?, b = ?", bound to {@code values}) with {@code order} as their write
   * time, and {@code updated_at} with the usual one, so the fleet views' refresh sees the row whatever
   * the order. One partition: the batch is one mutation.
   */
  private CompletionStage<Done> writeOrdered(String deviceId, long order, String columns, List<Object> values) {
    List<Object> bound = new java.util.ArrayList<>(values.size() + 4);
    bound.add(order);
    bound.addAll(values);
    bound.add(deviceId);
    bound.add(clock.instant());
    bound.add(deviceId);
    return session.executeWrite(
        "BEGIN UNLOGGED BATCH "
            + "UPDATE " + keyspace + ".devices USING TIMESTAMP ? SET " + columns + " WHERE device_id = ?; "
            + "UPDATE " + keyspace + ".devices SET updated_at = ? WHERE device_id = ?; "
            + "APPLY BATCH",
        bound.toArray());
  }

  @Override
  public CompletionStage<Done> recordPresence(String deviceId, Instant lastSeen, String liveOn, String captureState,
      String reason, long order) {
    // The presence cells carry the word's order as their write time, so the highest order wins in
    // Cassandra whatever order the writes arrive in.
    return writeOrdered(deviceId, order, "last_seen = ?, live_on = ?, capture_state = ?, capture_reason = ?",
        java.util.Arrays.asList(lastSeen, liveOn, captureState, reason));
  }

  /** Rows written at or after {@code since}, found through the index on updated_at. */
  @Override
  public CompletionStage<List<Entry>> changedSince(Instant since) {
    return session
        .selectAll(SimpleStatement.newInstance(
            "SELECT " + COLUMNS + " FROM " + keyspace + ".devices WHERE updated_at >= ?", since))
        .thenApply(rows -> rows.stream().map(DeviceDirectory::entry).toList());
  }

  /** Devices in token order after {@code afterDeviceId} (null: from the start). */
  @Override
  public CompletionStage<List<Entry>> page(String afterDeviceId, int limit) {
    SimpleStatement statement =
        afterDeviceId == null
            ? SimpleStatement.newInstance(
                "SELECT " + COLUMNS + " FROM " + keyspace + ".devices LIMIT ?", limit)
            : SimpleStatement.newInstance(
                "SELECT " + COLUMNS + " FROM " + keyspace
                    + ".devices WHERE token(device_id) > token(?) LIMIT ?",
                afterDeviceId, limit);
    return session.selectAll(statement).thenApply(rows -> rows.stream().map(DeviceDirectory::entry).toList());
  }

  /** The strings are {@link SharedStrings}: the fleet view's copy shares them with the entities'. */
  private static Entry entry(Row row) {
    return new Entry(
        SharedStrings.of(row.getString("device_id")),
        SharedStrings.of(row.getString("owner")),
        SharedStrings.of(row.getString("jurisdiction")),
        SharedStrings.of(row.getMap("labels", String.class, String.class)),
        SharedStrings.of(row.getString("agent_version")),
        SharedStrings.of(row.getString("time_zone")),
        row.getInstant("enroll_time"),
        new PolicyVersion(row.getString("policy_name"), row.getLong("target_policy_version")).shared(),
        new PolicyVersion(row.getString("applied_policy_name"), row.getLong("applied_policy_version")).shared(),
        row.getInstant("last_seen"),
        SharedStrings.of(row.getString("live_on")),
        SharedStrings.of(row.getString("capture_state")),
        row.getString("capture_reason"), // near unique per device ("paused until 14:05"): nothing to share
        row.getInstant("updated_at"));
  }
}
