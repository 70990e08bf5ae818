package io.fleetcontrol.controller;

import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.controller.AuditEntries.AuditEntry;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The audit trail in Cassandra, shaped for its two questions: "what happened lately" (one
 * partition per UTC day, newest first) and "what happened to this device" (one partition per
 * device, newest first). A small table lists the days that have entries, so a listing walks back
 * through them without guessing. Rows are keyed by the event's persistence id and sequence number,
 * so the at-least-once projection writing an event twice changes nothing.
 */
final class AuditTrail {

  /** Where a listing stopped: the last entry it returned. */
  record Cursor(Instant time, String eventId) {
    String encode() {
      return time.toEpochMilli() + "|" + eventId;
    }

    static Cursor decode(String text) {
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

  record Listing(List<AuditEntry> entries, Cursor next) {}

  private static final String COLUMNS = "event_time, event_id, actor, action, device_id, detail";
  private static final int CHUNK = 500;
  /** A listing without a device reads at most this many days back for one page. */
  private static final int MAX_DAYS_PER_PAGE = 400;

  private final CassandraSession session;
  private final String keyspace;
  private final java.util.Set<String> daysRecorded = java.util.concurrent.ConcurrentHashMap.newKeySet();

  AuditTrail(CassandraSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  CompletionStage<Done> createTables() {
    String entries = "event_time timestamp, event_id text, actor text, action text, device_id text, detail text, ";
    return session
        .executeDDL("CREATE TABLE IF NOT EXISTS " + keyspace + ".audit_by_day (day text, " + entries
            + "PRIMARY KEY ((day), event_time, event_id)) WITH CLUSTERING ORDER BY (event_time DESC, event_id DESC)")
        .thenCompose(done -> session.executeDDL("CREATE TABLE IF NOT EXISTS " + keyspace + ".audit_by_device "
            + "(device_id text, " + entries.replace("device_id text, ", "")
            + "PRIMARY KEY ((device_id), event_time, event_id)) WITH CLUSTERING ORDER BY (event_time DESC, event_id DESC)"))
        .thenCompose(done -> session.executeDDL("CREATE TABLE IF NOT EXISTS " + keyspace + ".audit_days "
            + "(bucket int, day text, PRIMARY KEY ((bucket), day)) WITH CLUSTERING ORDER BY (day DESC)"));
  }

  CompletionStage<Done> record(AuditEntry e) {
    String day = day(e.time());
    CompletionStage<Done> byDay = session.executeWrite(
        "INSERT INTO " + keyspace + ".audit_by_day (day, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
        day, e.time(), e.eventId(), e.actor(), e.action(), e.deviceId(), e.detail());
    // One row per day; this node writes it once, not with every entry.
    CompletionStage<Done> days = daysRecorded.contains(day)
        ? CompletableFuture.completedFuture(Done.getInstance())
        : session.executeWrite("INSERT INTO " + keyspace + ".audit_days (bucket, day) VALUES (0, ?)", day)
            .thenApply(done -> {
              daysRecorded.add(day);
              return done;
            });
    CompletionStage<Done> byDevice = e.deviceId().isEmpty()
        ? CompletableFuture.completedFuture(Done.getInstance())
        : session.executeWrite(
            "INSERT INTO " + keyspace + ".audit_by_device (device_id, " + COLUMNS.replace(", device_id", "")
                + ") VALUES (?, ?, ?, ?, ?, ?)",
            e.deviceId(), e.time(), e.eventId(), e.actor(), e.action(), e.detail());
    return byDay.thenCombine(days, (a, b) -> a).thenCombine(byDevice, (a, b) -> a);
  }

  /** A refused enrollment: written by the edge, best effort (a lost line must not fail the answer). */
  void recordRefusedEnrollment(String deviceId, String peer, String tokenId,
      io.fleetcontrol.device.EnrollOutcome outcome, Instant at) {
    record(AuditEntries.refusedEnrollment(at, deviceId, peer, tokenId, outcome))
        .whenComplete((done, failure) -> {
          if (failure != null) {
            org.slf4j.LoggerFactory.getLogger(AuditTrail.class).warn(
                "Could not audit the refused enrollment of {} from {}: {}", deviceId, peer, failure.toString());
          }
        });
  }

  /** One device's latest {@code limit} entries, oldest first. */
  CompletionStage<List<AuditEntry>> history(String deviceId, int limit) {
    return session
        .selectAll(SimpleStatement.newInstance("SELECT " + COLUMNS.replace(", device_id", "")
            + " FROM " + keyspace + ".audit_by_device WHERE device_id = ? LIMIT ?", deviceId, limit))
        .thenApply(rows -> {
          List<AuditEntry> newestFirst = rows.stream().map(row -> entry(row, deviceId)).toList();
          List<AuditEntry> oldestFirst = new ArrayList<>(newestFirst);
          java.util.Collections.reverse(oldestFirst);
          return oldestFirst;
        });
  }

  /**
   * Entries newest first, after {@code after} (null: from the newest), of one device or of all
   * (deviceId null), with the given action or any (action null).
   */
  CompletionStage<Listing> list(String deviceId, String action, Cursor after, int pageSize) {
    List<AuditEntry> page = new ArrayList<>();
    if (deviceId != null) {
      return fill(deviceRead(deviceId), action, after, pageSize, page)
          .thenApply(full -> new Listing(page, full ? last(page) : null));
    }
    return session
        .selectAll(SimpleStatement.newInstance("SELECT day FROM " + keyspace + ".audit_days WHERE bucket = 0"))
        .thenCompose(rows -> {
          List<String> days = rows.stream().map(r -> r.getString("day"))
              .filter(d -> after == null || d.compareTo(day(after.time())) <= 0)
              .limit(MAX_DAYS_PER_PAGE).toList();
          return fillDays(days, 0, action, after, pageSize, page);
        })
        .thenApply(full -> new Listing(page, full ? last(page) : null));
  }

  private CompletionStage<Boolean> fillDays(
      List<String> days, int index, String action, Cursor after, int pageSize, List<AuditEntry> page) {
    if (index >= days.size()) {
      return CompletableFuture.completedFuture(false);
    }
    String day = days.get(index);
    Cursor within = after != null && day.equals(day(after.time())) ? after : null;
    return fill(dayRead(day), action, within, pageSize, page).thenCompose(full -> full
        ? CompletableFuture.completedFuture(true)
        : fillDays(days, index + 1, action, null, pageSize, page));
  }

  /** Reads a partition newest first in chunks until the page is full (true) or it runs out (false). */
  private CompletionStage<Boolean> fill(
      PartitionRead read, String action, Cursor after, int pageSize, List<AuditEntry> page) {
    return read.chunk(after, CHUNK).thenCompose(chunk -> {
      for (AuditEntry entry : chunk) {
        if (action == null || action.equals(entry.action())) {
          if (page.size() == pageSize) {
            return CompletableFuture.completedFuture(true);
          }
          page.add(entry);
        }
      }
      if (chunk.size() < CHUNK) {
        return CompletableFuture.completedFuture(false);
      }
      AuditEntry lastRead = chunk.get(chunk.size() - 1);
      return fill(read, action, new Cursor(lastRead.time(), lastRead.eventId()), pageSize, page);
    });
  }

  private interface PartitionRead {
    CompletionStage<List<AuditEntry>> chunk(Cursor after, int limit);
  }

  private PartitionRead deviceRead(String deviceId) {
    String select = "SELECT " + COLUMNS.replace(", device_id", "") + " FROM " + keyspace
        + ".audit_by_device WHERE device_id = ?";
    return (after, limit) -> session
        .selectAll(after == null
            ? SimpleStatement.newInstance(select + " LIMIT ?", deviceId, limit)
            : SimpleStatement.newInstance(select + " AND (event_time, event_id) < (?, ?) LIMIT ?", deviceId,
                after.time(), after.eventId(), limit))
        .thenApply(rows -> rows.stream().map(row -> entry(row, deviceId)).toList());
  }

  private PartitionRead dayRead(String day) {
    String select = "SELECT " + COLUMNS + " FROM " + keyspace + ".audit_by_day WHERE day = ?";
    return (after, limit) -> session
        .selectAll(after == null
            ? SimpleStatement.newInstance(select + " LIMIT ?", day, limit)
            : SimpleStatement.newInstance(select + " AND (event_time, event_id) < (?, ?) LIMIT ?", day,
                after.time(), after.eventId(), limit))
        .thenApply(rows -> rows.stream().map(row -> entry(row, row.getString("device_id"))).toList());
  }

  private static Cursor last(List<AuditEntry> page) {
    AuditEntry last = page.get(page.size() - 1);
    return new Cursor(last.time(), last.eventId());
  }

  private static AuditEntry entry(Row row, String deviceId) {
    return new AuditEntry(row.getInstant("event_time"), row.getString("event_id"), row.getString("actor"),
        row.getString("action"), deviceId == null ? "" : deviceId, row.getString("detail"));
  }

  static String day(Instant time) {
    return LocalDate.ofInstant(time, ZoneOffset.UTC).toString();
  }
}
