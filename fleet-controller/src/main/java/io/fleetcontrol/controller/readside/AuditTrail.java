package io.fleetcontrol.controller.readside;

import com.datastax.oss.driver.api.core.cql.BatchStatement;
import com.datastax.oss.driver.api.core.cql.DefaultBatchType;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSession;

/**
 * The audit trail in Cassandra, shaped for its two questions: "what happened lately" (one
 * partition per UTC day, newest first) and "what happened to this device" (one partition per
 * device, newest first). A small table lists the days that have entries, so a listing walks back
 * through them without guessing. Rows are keyed by the event's persistence id and sequence number,
 * so the at-least-once projection writing an event twice changes nothing. The Cassandra {@link AuditStore}.
 */
public final class AuditTrail implements AuditStore {

  private static final String COLUMNS = "event_time, event_id, actor, action, device_id, detail";
  private static final int CHUNK = 500;
  /** Day partitions one page of a listing without a device reads at most. */
  static final int MAX_DAYS_PER_PAGE = 31;
  /** Rows one page reads at most, matching its action filter or not. */
  static final int MAX_ROWS_SCANNED_PER_PAGE = 10 * CHUNK;

  private final CassandraSession session;
  private final String keyspace;
  private final java.util.Set<String> daysRecorded = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public AuditTrail(CassandraSession session, String keyspace) {
    this.session = session;
    this.keyspace = keyspace;
  }

  /**
   * Each entry goes to its day's partition and its device's. Entries that share a partition go in
   * unlogged batches, each one mutation of one partition: a group of a storm's events costs a few
   * statements, not two per event. A batch stays under {@link #BATCH_BYTES}, so one mutation stays
   * small whatever a group holds (Cassandra does not size-check a batch of one partition).
   */
  @Override
  public CompletionStage<Done> recordAll(List<AuditEntry> entries) {
    List<CompletableFuture<Done>> writes = new ArrayList<>();
    Map<String, List<AuditEntry>> byDay = new LinkedHashMap<>();
    Map<String, List<AuditEntry>> byDevice = new LinkedHashMap<>();
    for (AuditEntry e : entries) {
      byDay.computeIfAbsent(day(e.time()), d -> new ArrayList<>()).add(e);
      if (!e.deviceId().isEmpty()) {
        byDevice.computeIfAbsent(e.deviceId(), d -> new ArrayList<>()).add(e);
      }
    }
    String intoDay = "INSERT INTO " + keyspace + ".audit_by_day (day, " + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)";
    byDay.forEach((day, ofDay) -> {
      writes.addAll(inBatches(intoDay, ofDay,
          e -> new Object[] {day, e.time(), e.eventId(), e.actor(), e.action(), e.deviceId(), e.detail()}));
      // One row per day; this node writes it once, not with every entry.
      if (!daysRecorded.contains(day)) {
        writes.add(session.executeWrite("INSERT INTO " + keyspace + ".audit_days (bucket, day) VALUES (0, ?)", day)
            .thenApply(done -> {
              daysRecorded.add(day);
              return done;
            }).toCompletableFuture());
      }
    });
    String intoDevice = "INSERT INTO " + keyspace + ".audit_by_device (device_id, "
        + COLUMNS.replace(", device_id", "") + ") VALUES (?, ?, ?, ?, ?, ?)";
    byDevice.forEach((device, ofDevice) -> writes.addAll(inBatches(intoDevice, ofDevice,
        e -> new Object[] {device, e.time(), e.eventId(), e.actor(), e.action(), e.detail()})));
    return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(all -> Done.getInstance());
  }

  /** Bytes of entries one batch carries at most (estimated from their text). */
  static final int BATCH_BYTES = 4 * 1024;

  /** The entries of one partition, written by {@code cql} in batches of at most {@link #BATCH_BYTES}; one alone goes plain. */
  private List<CompletableFuture<Done>> inBatches(String cql, List<AuditEntry> ofPartition,
      java.util.function.Function<AuditEntry, Object[]> values) {
    List<CompletableFuture<Done>> writes = new ArrayList<>();
    for (List<AuditEntry> chunk : chunks(ofPartition, BATCH_BYTES)) {
      if (chunk.size() == 1) {
        writes.add(session.executeWrite(cql, values.apply(chunk.get(0))).toCompletableFuture());
      } else {
        writes.add(session.prepare(cql).thenCompose(prepared -> {
          var batch = BatchStatement.builder(DefaultBatchType.UNLOGGED);
          chunk.forEach(e -> batch.addStatement(prepared.bind(values.apply(e))));
          return session.executeWriteBatch(batch.build());
        }).toCompletableFuture());
      }
    }
    return writes;
  }

  /** Consecutive runs of entries whose estimated size stays within {@code maxBytes} (a larger entry goes alone). */
  static List<List<AuditEntry>> chunks(List<AuditEntry> entries, int maxBytes) {
    List<List<AuditEntry>> chunks = new ArrayList<>();
    List<AuditEntry> current = new ArrayList<>();
    int bytes = 0;
    for (AuditEntry e : entries) {
      int size = estimatedBytes(e);
      if (!current.isEmpty() && bytes + size > maxBytes) {
        chunks.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(e);
      bytes += size;
    }
    if (!current.isEmpty()) {
      chunks.add(current);
    }
    return chunks;
  }

  /** The entry's text in UTF-8 at worst (3 bytes a char) plus the keys, time and Cassandra's per-cell overhead. */
  static int estimatedBytes(AuditEntry e) {
    int chars = length(e.eventId()) + length(e.actor()) + length(e.action()) + length(e.deviceId())
        + length(e.detail());
    return 3 * chars + 64;
  }

  private static int length(String text) {
    return text == null ? 0 : text.length();
  }

  /** One device's latest {@code limit} entries, oldest first. */
  @Override
  public CompletionStage<List<AuditEntry>> history(String deviceId, int limit) {
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
   * Entries newest first, after {@code after} (null: from the newest), that {@code filter} matches:
   * one device's partition, or every day's; action and actor are matched as rows are read.
   *
   * <p>One page is bounded: it reads at most {@link #MAX_DAYS_PER_PAGE} day partitions and at most
   * {@link #MAX_ROWS_SCANNED_PER_PAGE} rows (an action or actor filter may match few of them). Where it stops
   * for a bound it returns what it found, perhaps nothing, with a cursor where the scan stopped, so
   * the next page carries on from there; only a scan that reached the oldest entry ends the listing.
   */
  @Override
  public CompletionStage<Listing> list(Filter filter, Cursor after, int pageSize) {
    Scan scan = new Scan(filter, pageSize);
    if (filter.deviceId() != null) {
      return scan.fill(deviceRead(filter.deviceId()), after).thenApply(stop -> scan.listing(stop, null));
    }
    String fromDay = after == null ? null : day(after.time());
    String select = "SELECT day FROM " + keyspace + ".audit_days WHERE bucket = 0";
    // One day more than a page may read, to know whether older days remain past the bound.
    SimpleStatement days = fromDay == null
        ? SimpleStatement.newInstance(select + " LIMIT ?", MAX_DAYS_PER_PAGE + 1)
        : SimpleStatement.newInstance(select + " AND day <= ? LIMIT ?", fromDay, MAX_DAYS_PER_PAGE + 1);
    return session.selectAll(days)
        .thenCompose(rows -> fillDays(rows.stream().map(r -> r.getString("day")).toList(), 0, after, scan));
  }

  private CompletionStage<Listing> fillDays(List<String> days, int index, Cursor after, Scan scan) {
    if (index >= days.size()) {
      return CompletableFuture.completedFuture(scan.listing(Stop.EXHAUSTED, null));
    }
    String day = days.get(index);
    if (index == MAX_DAYS_PER_PAGE) {
      // The day window of this page is used up: the next page starts with this day's newest entry.
      return CompletableFuture.completedFuture(scan.listing(Stop.EXHAUSTED, Cursor.wholeDay(day)));
    }
    Cursor within = after != null && !after.wholeDay() && day.equals(day(after.time())) ? after : null;
    return scan.fill(dayRead(day), within).thenCompose(stop -> stop == Stop.EXHAUSTED
        ? fillDays(days, index + 1, null, scan)
        : CompletableFuture.completedFuture(scan.listing(stop, null)));
  }

  /** Why a partition's read stopped. */
  private enum Stop { PAGE_FULL, BUDGET_SPENT, EXHAUSTED }

  /** One page's scan: the matching entries, the rows read so far and the last one read. */
  private static final class Scan {
    private final Filter filter;
    private final int pageSize;
    private final List<AuditEntry> page = new ArrayList<>();
    private int rowsScanned;
    private Cursor lastRead;

    Scan(Filter filter, int pageSize) {
      this.filter = filter;
      this.pageSize = pageSize;
    }

    /** Reads a partition newest first in chunks until the page is full, the budget spent, or it runs out. */
    CompletionStage<Stop> fill(PartitionRead read, Cursor after) {
      int chunkSize = Math.min(CHUNK, MAX_ROWS_SCANNED_PER_PAGE - rowsScanned);
      if (chunkSize <= 0) {
        return CompletableFuture.completedFuture(Stop.BUDGET_SPENT);
      }
      return read.chunk(after, chunkSize).thenCompose(chunk -> {
        for (AuditEntry entry : chunk) {
          if (filter.matches(entry)) {
            if (page.size() == pageSize) {
              return CompletableFuture.completedFuture(Stop.PAGE_FULL);
            }
            page.add(entry);
          }
          rowsScanned++;
          lastRead = new Cursor(entry.time(), entry.eventId());
        }
        if (chunk.size() < chunkSize) {
          return CompletableFuture.completedFuture(Stop.EXHAUSTED);
        }
        return fill(read, lastRead);
      });
    }

    /** The page, and where the next one starts: {@code wholeDay} when the day window ran out. */
    Listing listing(Stop stop, Cursor wholeDay) {
      Cursor next = switch (stop) {
        case PAGE_FULL -> last(page);
        case BUDGET_SPENT -> lastRead;
        case EXHAUSTED -> wholeDay;
      };
      return new Listing(List.copyOf(page), next);
    }
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
