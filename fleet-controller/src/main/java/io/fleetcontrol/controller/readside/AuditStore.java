package io.fleetcontrol.controller.readside;

import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/**
 * The audit trail: who did what, when, to which device. Entries are keyed by their event id, so
 * writing one twice changes nothing. {@link AuditTrail} keeps it in Cassandra; tests use an
 * in-memory one, and one contract test suite runs against both.
 */
public interface AuditStore {

  /**
   * Where a listing stopped: the last entry it read, or (empty event id) a whole day not read yet,
   * named by its first instant.
   */
  record Cursor(Instant time, String eventId) {
    static Cursor wholeDay(String day) {
      return new Cursor(java.time.LocalDate.parse(day).atStartOfDay(java.time.ZoneOffset.UTC).toInstant(), "");
    }

    boolean wholeDay() {
      return eventId.isEmpty();
    }

    public String encode() {
      return time.toEpochMilli() + "|" + eventId;
    }

    public static Cursor decode(String text) {
      int bar = text.indexOf('|');
      if (bar <= 0) {
        throw InputRules.invalid("page_token is not a token this server issued");
      }
      try {
        return new Cursor(Instant.ofEpochMilli(Long.parseLong(text.substring(0, bar))), text.substring(bar + 1));
      } catch (NumberFormatException e) {
        throw InputRules.invalid("page_token is not a token this server issued");
      }
    }
  }

  /** A page of entries, and where the next starts (null: nothing older). */
  record Listing(List<AuditEntry> entries, Cursor next) {}

  default CompletionStage<Done> record(AuditEntry entry) {
    return recordAll(List.of(entry));
  }

  /** Entries written together (a projection's group): a store may batch those that share a partition. */
  CompletionStage<Done> recordAll(List<AuditEntry> entries);

  /** One device's latest {@code limit} entries, oldest first. */
  CompletionStage<List<AuditEntry>> history(String deviceId, int limit);

  /** Which entries a listing wants: each part null for any. */
  record Filter(String deviceId, String action, String actor) {
    public boolean matches(AuditEntry entry) {
      return (deviceId == null || deviceId.equals(entry.deviceId()))
          && (action == null || action.equals(entry.action()))
          && (actor == null || actor.equals(entry.actor()));
    }
  }

  /**
   * Entries newest first (time, then event id), after {@code after} (null: from the newest), that
   * {@code filter} matches. A page may come back short, even empty, with a cursor (a store may
   * bound what one page reads); only a null cursor ends the listing.
   */
  CompletionStage<Listing> list(Filter filter, Cursor after, int pageSize);

  /** A refused enrollment: written by the edge, best effort (a lost line must not fail the answer). */
  default void recordRefusedEnrollment(String deviceId, String peer, String tokenId,
      io.fleetcontrol.device.EnrollOutcome outcome, Instant at) {
    record(AuditEntries.refusedEnrollment(at, deviceId, peer, tokenId, outcome))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            org.slf4j.LoggerFactory.getLogger(AuditStore.class).warn(
                "Could not audit the refused enrollment of {} from {}: {}", deviceId, peer, failure.toString());
          }
        });
  }
}
