package io.fleetcontrol.controller.readside;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;

/** {@link AuditStore} in memory, for unit tests; {@link ReadSideStoreContract} holds it to the Cassandra one's word. */
public final class InMemoryAuditStore implements AuditStore {

  private static final Comparator<AuditEntry> NEWEST_FIRST =
      Comparator.comparing(AuditEntry::time).thenComparing(AuditEntry::eventId).reversed();

  private final Map<String, AuditEntry> byEventId = new ConcurrentHashMap<>();

  @Override
  public CompletionStage<Done> recordAll(List<AuditEntry> entries) {
    entries.forEach(entry -> byEventId.put(entry.eventId(), entry));
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  @Override
  public CompletionStage<List<AuditEntry>> history(String deviceId, int limit) {
    List<AuditEntry> latest = new ArrayList<>(byEventId.values().stream()
        .filter(e -> e.deviceId().equals(deviceId)).sorted(NEWEST_FIRST).limit(limit).toList());
    Collections.reverse(latest);
    return CompletableFuture.completedFuture(latest);
  }

  @Override
  public CompletionStage<Listing> list(Filter filter, Cursor after, int pageSize) {
    List<AuditEntry> matching = byEventId.values().stream()
        .filter(filter::matches)
        .filter(e -> after == null || older(e, after))
        .sorted(NEWEST_FIRST)
        .limit(pageSize + 1L)
        .toList();
    if (matching.size() <= pageSize) {
      return CompletableFuture.completedFuture(new Listing(matching, null));
    }
    AuditEntry last = matching.get(pageSize - 1);
    return CompletableFuture.completedFuture(
        new Listing(matching.subList(0, pageSize), new Cursor(last.time(), last.eventId())));
  }

  /** After a cursor: older than the entry it names, or within and before its whole day. */
  private static boolean older(AuditEntry e, Cursor after) {
    if (after.wholeDay()) {
      return e.time().isBefore(after.time().plus(java.time.Duration.ofDays(1)));
    }
    int byTime = e.time().compareTo(after.time());
    return byTime < 0 || (byTime == 0 && e.eventId().compareTo(after.eventId()) < 0);
  }
}
