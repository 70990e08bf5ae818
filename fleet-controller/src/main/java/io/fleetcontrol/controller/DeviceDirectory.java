package io.fleetcontrol.controller;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.device.DeviceIdentity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The read-side table of enrolled devices and their policy versions, fed by
 * {@link DeviceDirectoryProjection} from the journal. Queries read it instead of asking entities.
 */
final class DeviceDirectory {

  record Entry(
      String deviceId,
      String owner,
      String jurisdiction,
      Map<String, String> labels,
      String agentVersion,
      String timeZone,
      Instant enrollTime,
      String policyName,
      long targetPolicyVersion,
      long appliedPolicyVersion) {}

  private static final String COLUMNS =
      "device_id, owner, jurisdiction, labels, agent_version, time_zone, enroll_time, "
          + "policy_name, target_policy_version, applied_policy_version";

  private static final int SCAN_PAGE = 1000;

  private final CassandraSession session;
  private final String keyspace;

  DeviceDirectory(CassandraSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  CompletionStage<Done> createTables(int replicationFactor) {
    return session
        .executeDDL(
            "CREATE KEYSPACE IF NOT EXISTS " + keyspace
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': "
                + replicationFactor + "}")
        .thenCompose(
            done ->
                session.executeDDL(
                    "CREATE TABLE IF NOT EXISTS " + keyspace + ".devices ("
                        + "device_id text PRIMARY KEY, owner text, jurisdiction text, "
                        + "labels map<text, text>, agent_version text, time_zone text, "
                        + "enroll_time timestamp, policy_name text, "
                        + "target_policy_version bigint, applied_policy_version bigint)"))
        .thenCompose(
            done ->
                session.executeDDL(
                    "CREATE TABLE IF NOT EXISTS " + keyspace + ".exemptions ("
                        + "device_id text, exemption_id text, scope text, reason text, comment text, "
                        + "status text, request_time timestamp, expire_time timestamp, decided_by text, "
                        + "decision_reason text, decide_time timestamp, "
                        + "PRIMARY KEY (device_id, exemption_id))"));
  }

  /** An exemption row as the admin API shows it; enums by name. */
  record ExemptionRow(
      String deviceId,
      String exemptionId,
      String scope,
      String reason,
      String comment,
      String status,
      Instant requestTime,
      Instant expireTime,
      String decidedBy,
      String decisionReason,
      Instant decideTime) {}

  CompletionStage<Done> recordExemptionRequest(
      String deviceId, String exemptionId, String scope, String reason, String comment, Instant at) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET scope = ?, reason = ?, comment = ?, status = ?, "
            + "request_time = ? WHERE device_id = ? AND exemption_id = ?",
        scope, reason, comment, "REQUESTED", at, deviceId, exemptionId);
  }

  CompletionStage<Done> recordExemptionDecision(
      String deviceId, String exemptionId, String status, Instant expireTime, String by, String why, Instant at) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET status = ?, expire_time = ?, decided_by = ?, "
            + "decision_reason = ?, decide_time = ? WHERE device_id = ? AND exemption_id = ?",
        status, expireTime, by, why, at, deviceId, exemptionId);
  }

  CompletionStage<Done> recordExemptionStatus(String deviceId, String exemptionId, String status) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".exemptions SET status = ? WHERE device_id = ? AND exemption_id = ?",
        status, deviceId, exemptionId);
  }

  /** All exemption rows; few compared to devices (issue 6 gives this a query-shaped table). */
  CompletionStage<List<ExemptionRow>> allExemptions() {
    return session
        .selectAll("SELECT * FROM " + keyspace + ".exemptions")
        .thenApply(rows -> rows.stream().map(row -> new ExemptionRow(
            row.getString("device_id"), row.getString("exemption_id"), row.getString("scope"),
            row.getString("reason"), row.getString("comment"), row.getString("status"),
            row.getInstant("request_time"), row.getInstant("expire_time"), row.getString("decided_by"),
            row.getString("decision_reason"), row.getInstant("decide_time"))).toList());
  }

  CompletionStage<Done> recordEnrollment(DeviceIdentity identity, Instant enrollTime) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".devices SET owner = ?, jurisdiction = ?, labels = ?, "
            + "agent_version = ?, time_zone = ?, enroll_time = ? WHERE device_id = ?",
        identity.owner(), identity.jurisdiction(), identity.labels(), identity.agentVersion(),
        identity.timeZone(), enrollTime, identity.deviceId());
  }

  /** A re-enrollment may change what the agent declares; the first enrollment time stays. */
  CompletionStage<Done> recordIdentity(DeviceIdentity identity) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".devices SET owner = ?, jurisdiction = ?, labels = ?, "
            + "agent_version = ?, time_zone = ? WHERE device_id = ?",
        identity.owner(), identity.jurisdiction(), identity.labels(), identity.agentVersion(),
        identity.timeZone(), identity.deviceId());
  }

  CompletionStage<Done> updateTarget(String deviceId, String policyName, long version) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".devices SET policy_name = ?, target_policy_version = ? "
            + "WHERE device_id = ?",
        policyName, version, deviceId);
  }

  CompletionStage<Done> updateApplied(String deviceId, long version) {
    return session.executeWrite(
        "UPDATE " + keyspace + ".devices SET applied_policy_version = ? WHERE device_id = ?",
        version, deviceId);
  }

  /** Devices in token order after {@code afterDeviceId} (null: from the start). */
  CompletionStage<List<Entry>> page(String afterDeviceId, int limit) {
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

  /** Every device, page by page. */
  CompletionStage<Done> forEach(java.util.function.Consumer<Entry> each) {
    return forEachAfter(null, each);
  }

  private CompletionStage<Done> forEachAfter(String after, java.util.function.Consumer<Entry> each) {
    return page(after, SCAN_PAGE).thenCompose(batch -> {
      batch.forEach(each);
      return batch.size() < SCAN_PAGE
          ? java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance())
          : forEachAfter(batch.get(batch.size() - 1).deviceId(), each);
    });
  }

  CompletionStage<Entry> get(String deviceId) {
    return session
        .selectOne(
            "SELECT " + COLUMNS + " FROM " + keyspace + ".devices WHERE device_id = ?", deviceId)
        .thenApply(row -> row.map(DeviceDirectory::entry).orElse(null));
  }

  private static Entry entry(Row row) {
    return new Entry(
        row.getString("device_id"),
        row.getString("owner"),
        row.getString("jurisdiction"),
        row.getMap("labels", String.class, String.class),
        row.getString("agent_version"),
        row.getString("time_zone"),
        row.getInstant("enroll_time"),
        row.getString("policy_name"),
        row.getLong("target_policy_version"),
        row.getLong("applied_policy_version"));
  }
}
