package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionKey;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionRow;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.grpc.GrpcServiceException;
import org.junit.jupiter.api.Test;

/** The walk over the queue table, against an in-memory queue that counts what each page reads. */
class ExemptionPagesTest {

  private static final Instant START = Instant.parse("2024-01-15T10:00:00Z");

  /** Rows by status and month, as the queue table holds them; counts reads like Cassandra would see them. */
  private static final class MemoryQueue implements ExemptionPages.Queue {
    final List<ExemptionRow> rows = new ArrayList<>();
    int partitionReads;
    int rowsRead;
    int largestLimit;

    void add(String device, String id, String status, Instant requested) {
      rows.add(new ExemptionRow(device, id, "FULL", "OTHER", "", status, requested, null, null, null, null));
    }

    @Override
    public CompletionStage<List<String>> exemptionMonths(String status, String fromMonth, int limit) {
      return CompletableFuture.completedFuture(rows.stream().filter(r -> r.status().equals(status))
          .map(r -> ExemptionStore.exemptionMonth(r.requestTime())).distinct().sorted()
          .filter(m -> fromMonth == null || m.compareTo(fromMonth) >= 0).limit(limit).toList());
    }

    @Override
    public CompletionStage<List<ExemptionRow>> exemptionsOfMonth(String status, String month, ExemptionKey after, int limit) {
      partitionReads++;
      largestLimit = Math.max(largestLimit, limit);
      List<ExemptionRow> slice = rows.stream()
          .filter(r -> r.status().equals(status) && ExemptionStore.exemptionMonth(r.requestTime()).equals(month))
          .sorted(Comparator.comparing(ExemptionRow::requestTime).thenComparing(ExemptionRow::deviceId))
          .filter(r -> after == null || r.requestTime().isAfter(after.requestTime())
              || (r.requestTime().equals(after.requestTime()) && r.deviceId().compareTo(after.deviceId()) > 0))
          .limit(limit).toList();
      rowsRead += slice.size();
      return CompletableFuture.completedFuture(slice);
    }

    @Override
    public CompletionStage<List<ExemptionRow>> exemptionsOfDevice(String deviceId, String status, int limit) {
      return CompletableFuture.completedFuture(rows.stream().filter(r -> r.deviceId().equals(deviceId))
          .filter(r -> status == null || r.status().equals(status)).limit(limit).toList());
    }
  }

  /** Every page, following cursors through their encoded form as a page token would carry them. */
  private static List<List<String>> allPages(MemoryQueue queue, List<String> statuses, int pageSize) {
    ExemptionPages pages = new ExemptionPages(queue);
    List<List<String>> out = new ArrayList<>();
    ExemptionPages.Cursor cursor = null;
    do {
      queue.rowsRead = 0;
      ExemptionPages.Page page = pages.page(statuses, cursor, pageSize).toCompletableFuture().join();
      assertTrue(queue.rowsRead <= pageSize + 1, "a page read " + queue.rowsRead + " rows");
      out.add(page.rows().stream().map(r -> r.deviceId() + "/" + r.status()).toList());
      cursor = page.next() == null ? null : ExemptionPages.Cursor.decode(page.next().encode());
    } while (cursor != null);
    return out;
  }

  @Test
  void pagesWalkOneStatusOldestFirstAcrossMonths() {
    MemoryQueue queue = new MemoryQueue();
    for (int i = 0; i < 7; i++) {
      // Every 20 days: the queue spans four months.
      queue.add("d" + i, "ex-1", "REQUESTED", START.plus(20L * i, ChronoUnit.DAYS));
    }
    queue.add("other", "ex-1", "APPROVED", START);
    List<List<String>> pages = allPages(queue, List.of("REQUESTED"), 3);
    assertEquals(List.of(List.of("d0/REQUESTED", "d1/REQUESTED", "d2/REQUESTED"),
        List.of("d3/REQUESTED", "d4/REQUESTED", "d5/REQUESTED"), List.of("d6/REQUESTED")), pages);
  }

  @Test
  void withoutAStatusPagesWalkTheStatusesInTheirFixedOrder() {
    MemoryQueue queue = new MemoryQueue();
    queue.add("expired", "ex-1", "EXPIRED", START);
    queue.add("approved", "ex-1", "APPROVED", START.plusSeconds(1));
    queue.add("requested-late", "ex-2", "REQUESTED", START.plus(40, ChronoUnit.DAYS));
    queue.add("requested", "ex-1", "REQUESTED", START.plusSeconds(2));
    List<String> seen = allPages(queue, ExemptionStore.EXEMPTION_STATUSES, 2).stream().flatMap(List::stream).toList();
    assertEquals(List.of("requested/REQUESTED", "requested-late/REQUESTED", "approved/APPROVED", "expired/EXPIRED"), seen);
  }

  @Test
  void aPageReadsAtMostItsPartitionBoundAndStillHandsBackACursor() {
    MemoryQueue queue = new MemoryQueue();
    // One exemption a month for two years, then page size 100: the first page stops at its bound.
    for (int month = 0; month < 24; month++) {
      queue.add("d" + month, "ex-1", "DENIED", START.plus(31L * month, ChronoUnit.DAYS));
    }
    ExemptionPages pages = new ExemptionPages(queue);
    ExemptionPages.Page first = pages.page(List.of("DENIED"), null, 100).toCompletableFuture().join();
    assertEquals(ExemptionPages.MAX_PARTITIONS_PER_PAGE, queue.partitionReads);
    assertEquals(ExemptionPages.MAX_PARTITIONS_PER_PAGE, first.rows().size());
    assertNotNull(first.next(), "a page stopped by its bound says where to go on");
    ExemptionPages.Page second = pages.page(List.of("DENIED"), first.next(), 100).toCompletableFuture().join();
    assertEquals(24 - ExemptionPages.MAX_PARTITIONS_PER_PAGE, second.rows().size());
    assertNull(second.next());
    assertEquals("d12", second.rows().get(0).deviceId());
  }

  @Test
  void oneDevicesExemptionsPageInRequestOrder() {
    MemoryQueue queue = new MemoryQueue();
    queue.add("dev", "ex-2", "APPROVED", START.plusSeconds(5));
    queue.add("dev", "ex-1", "REQUESTED", START);
    queue.add("dev", "ex-3", "REQUESTED", START.plusSeconds(9));
    ExemptionPages pages = new ExemptionPages(queue);
    ExemptionPages.Page first = pages.pageOfDevice("dev", null, null, 2).toCompletableFuture().join();
    assertEquals(List.of("ex-1", "ex-2"), first.rows().stream().map(ExemptionRow::exemptionId).toList());
    ExemptionPages.Page second = pages.pageOfDevice("dev", null,
        ExemptionPages.Cursor.decode(first.next().encode()), 2).toCompletableFuture().join();
    assertEquals(List.of("ex-3"), second.rows().stream().map(ExemptionRow::exemptionId).toList());
    assertNull(second.next());
  }

  @Test
  void aCursorThatIsNotOursIsInvalidArgument() {
    GrpcServiceException e = assertThrows(GrpcServiceException.class, () -> ExemptionPages.Cursor.decode("x|y"));
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertThrows(GrpcServiceException.class, () -> ExemptionPages.Cursor.decode("0|2024-01|notanumber|d|e"));
  }
}
