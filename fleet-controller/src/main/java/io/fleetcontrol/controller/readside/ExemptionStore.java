package io.fleetcontrol.controller.readside;

import io.fleetcontrol.policy.ExemptionStatus;
import io.fleetcontrol.policy.ExemptionReason;
import io.fleetcontrol.policy.ExemptionScope;
import io.fleetcontrol.policy.ExemptionRecord;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * The read side's exemptions: one row per exemption, and the approvers' queue (one slice per
 * status and month of request, oldest request first) that {@link ExemptionPages} pages through.
 * Writes are idempotent, so the at-least-once projection may repeat one. {@link DeviceDirectory}
 * keeps them in Cassandra; tests use an in-memory one, and one contract test suite runs against both.
 */
public interface ExemptionStore extends ExemptionPages.Queue {

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
      Instant decideTime) {

    /** The row in domain terms, for the one exemption mapping (ExemptionWire). */
    public ExemptionRecord toRecord() {
      return new ExemptionRecord(exemptionId, ExemptionScope.valueOf(scope), ExemptionReason.valueOf(reason),
          comment, ExemptionStatus.valueOf(status), requestTime, expireTime, decidedBy, decisionReason, decideTime);
    }
  }

  /** Where an exemption sits in its status's queue. */
  record ExemptionKey(Instant requestTime, String deviceId, String exemptionId) {
    public static ExemptionKey of(ExemptionRow row) {
      return new ExemptionKey(row.requestTime(), row.deviceId(), row.exemptionId());
    }
  }

  /** Every status an exemption can have, in the order a listing without a status walks them. */
  List<String> EXEMPTION_STATUSES = List.of("REQUESTED", "APPROVED", "DENIED", "REVOKED", "EXPIRED");

  /** The slice of the queue a request falls in: its UTC month, e.g. "2025-03". */
  static String exemptionMonth(Instant requestTime) {
    return java.time.YearMonth.from(requestTime.atZone(java.time.ZoneOffset.UTC)).toString();
  }

  CompletionStage<Done> recordExemptionRequest(
      String deviceId, String exemptionId, String scope, String reason, String comment, Instant at);

  /** Approved or denied: the status, the expiry (null when denied), who decided, why and when. */
  CompletionStage<Done> recordExemptionDecision(
      String deviceId, String exemptionId, String status, Instant expireTime, String by, String why, Instant at);

  /** Revoked: who revoked it, why and when become the decision; the expiry it had stays. */
  CompletionStage<Done> recordExemptionRevocation(
      String deviceId, String exemptionId, String by, String why, Instant at);

  /** A new status alone (it expired): the decision stays as it was. */
  CompletionStage<Done> recordExemptionStatus(String deviceId, String exemptionId, String status);
}
