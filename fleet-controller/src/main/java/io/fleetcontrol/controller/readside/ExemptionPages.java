package io.fleetcontrol.controller.readside;

import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionKey;
import io.fleetcontrol.controller.readside.ExemptionStore.ExemptionRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Pages of ListExemptions, oldest request first, read from the queue table (one partition per
 * status and month) one slice at a time. A page reads at most {@code page_size + 1} rows in all and
 * at most {@link #MAX_PARTITIONS_PER_PAGE} partitions (plus one small month listing per status it
 * enters); where it stops for that bound it still hands back a cursor, so a page may come back
 * short, even empty, with a next page. Without a status filter it walks the statuses in the fixed
 * order of {@link ExemptionStore#EXEMPTION_STATUSES}; with a device it reads that device's own
 * partition.
 */
public final class ExemptionPages {

  /** Month partitions one page reads at most: a year of an empty queue costs one page, not a scan. */
  static final int MAX_PARTITIONS_PER_PAGE = 12;
  /** One device's exemptions read at most for a page (its own partition; ids are numbered per device). */
  static final int MAX_DEVICE_EXEMPTIONS = 10_000;

  /** The three reads a page needs; an {@link ExemptionStore} in production. */
  interface Queue {
    CompletionStage<List<String>> exemptionMonths(String status, String fromMonth, int limit);

    CompletionStage<List<ExemptionRow>> exemptionsOfMonth(String status, String month, ExemptionKey after, int limit);

    CompletionStage<List<ExemptionRow>> exemptionsOfDevice(String deviceId, String status, int limit);
  }

  /**
   * Where the next page starts: at status {@code statusIndex} (of the statuses walked), in {@code
   * month} (null: its first), after {@code after} (null: from the month's first row).
   */
  public record Cursor(int statusIndex, String month, ExemptionKey after) {
    public String encode() {
      StringBuilder out = new StringBuilder().append(statusIndex);
      if (month != null) {
        out.append('|').append(month);
        if (after != null) {
          out.append('|').append(after.requestTime().toEpochMilli()).append('|').append(after.deviceId())
              .append('|').append(after.exemptionId());
        }
      }
      return out.toString();
    }

    public static Cursor decode(String text) {
      String[] parts = text.split("\\|", 5);
      try {
        int status = Integer.parseInt(parts[0]);
        if (status < 0 || (parts.length != 1 && parts.length != 2 && parts.length != 5)) {
          throw new IllegalArgumentException();
        }
        String month = parts.length >= 2 ? parts[1] : null;
        ExemptionKey after = parts.length == 5
            ? new ExemptionKey(Instant.ofEpochMilli(Long.parseLong(parts[2])), parts[3], parts[4])
            : null;
        return new Cursor(status, month, after);
      } catch (IllegalArgumentException | java.time.DateTimeException e) {
        throw InputRules.invalid("page_token is not a token this server issued");
      }
    }
  }

  public record Page(List<ExemptionRow> rows, Cursor next) {}

  private static final Comparator<ExemptionKey> QUEUE_ORDER = Comparator
      .comparing(ExemptionKey::requestTime, Comparator.nullsLast(Comparator.naturalOrder()))
      .thenComparing(ExemptionKey::deviceId)
      .thenComparing(ExemptionKey::exemptionId);

  private final Queue queue;

  public ExemptionPages(Queue queue) {
    this.queue = queue;
  }

  /** A page of the queue of {@code statuses} (one, or all in their fixed order), from {@code from} (null: the start). */
  public CompletionStage<Page> page(List<String> statuses, Cursor from, int pageSize) {
    Walk walk = new Walk(statuses, pageSize);
    Cursor start = from == null ? new Cursor(0, null, null) : from;
    return walk.status(start.statusIndex(), start.month(), start.after());
  }

  /** A page of one device's exemptions, with a status or any; the device's partition is read whole (bounded). */
  public CompletionStage<Page> pageOfDevice(String deviceId, String status, Cursor from, int pageSize) {
    ExemptionKey after = from == null ? null : from.after();
    return queue.exemptionsOfDevice(deviceId, status, MAX_DEVICE_EXEMPTIONS).thenApply(rows -> {
      List<ExemptionRow> matching = rows.stream()
          // A decision whose request never reached the read side has no place in the queue.
          .filter(r -> r.requestTime() != null)
          .sorted(Comparator.comparing(ExemptionKey::of, QUEUE_ORDER))
          .filter(r -> after == null || QUEUE_ORDER.compare(ExemptionKey.of(r), after) > 0)
          .limit(pageSize + 1L)
          .toList();
      if (matching.size() <= pageSize) {
        return new Page(matching, null);
      }
      ExemptionRow last = matching.get(pageSize - 1);
      return new Page(matching.subList(0, pageSize), new Cursor(0, "", ExemptionKey.of(last)));
    });
  }

  /** One page's walk over statuses and their months; reads run one after another. */
  private final class Walk {
    private final List<String> statuses;
    private final int pageSize;
    private final List<ExemptionRow> rows = new ArrayList<>();
    private final List<Cursor> positions = new ArrayList<>();
    private int partitionsLeft = MAX_PARTITIONS_PER_PAGE;

    Walk(List<String> statuses, int pageSize) {
      this.statuses = statuses;
      this.pageSize = pageSize;
    }

    CompletionStage<Page> status(int index, String fromMonth, ExemptionKey after) {
      if (index >= statuses.size()) {
        return done(new Page(List.copyOf(rows), null));
      }
      if (partitionsLeft == 0) {
        return done(new Page(List.copyOf(rows), new Cursor(index, fromMonth, after)));
      }
      // One more month than may be read, to know whether this status goes on past the bound.
      return queue.exemptionMonths(statuses.get(index), fromMonth, partitionsLeft + 1)
          .thenCompose(months -> month(index, months, 0, fromMonth, after));
    }

    private CompletionStage<Page> month(int index, List<String> months, int i, String cursorMonth, ExemptionKey after) {
      if (i >= months.size()) {
        return status(index + 1, null, null);
      }
      String month = months.get(i);
      if (partitionsLeft == 0) {
        return done(new Page(List.copyOf(rows), new Cursor(index, month, null)));
      }
      partitionsLeft--;
      ExemptionKey within = month.equals(cursorMonth) ? after : null;
      return queue.exemptionsOfMonth(statuses.get(index), month, within, pageSize + 1 - rows.size())
          .thenCompose(read -> {
            for (ExemptionRow row : read) {
              rows.add(row);
              positions.add(new Cursor(index, month, ExemptionKey.of(row)));
            }
            if (rows.size() > pageSize) {
              // One row more than the page: there is a next page, starting after the page's last row.
              return done(new Page(List.copyOf(rows.subList(0, pageSize)), positions.get(pageSize - 1)));
            }
            return month(index, months, i + 1, cursorMonth, after);
          });
    }

    private CompletionStage<Page> done(Page page) {
      return CompletableFuture.completedFuture(page);
    }
  }
}
