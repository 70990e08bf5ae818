package io.fleetcontrol.controller.readside;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fleetcontrol.controller.readside.AuditEntries.AuditEntry;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** How the audit trail cuts one partition's entries into batches (the Cassandra writes: ReadSideStoreContract). */
class AuditTrailBatchesTest {

  private static AuditEntry entry(int n, int detailChars) {
    return new AuditEntry(Instant.EPOCH.plusSeconds(n), "Device|a#" + n, "alice", "pause.started", "a",
        "d".repeat(detailChars));
  }

  @Test
  void batchesKeepTheOrderAndStayUnderTheBound() {
    List<AuditEntry> entries = IntStream.rangeClosed(1, 50).mapToObj(n -> entry(n, 100)).toList();

    List<List<AuditEntry>> chunks = AuditTrail.chunks(entries, AuditTrail.BATCH_BYTES);

    assertEquals(entries, chunks.stream().flatMap(List::stream).toList());
    assertTrue(chunks.size() > 1, "50 entries of ~400 bytes each do not fit one batch of 4 KiB: " + chunks.size());
    assertTrue(chunks.stream().allMatch(c -> c.stream().mapToInt(AuditTrail::estimatedBytes).sum()
        <= AuditTrail.BATCH_BYTES), "every batch within the bound");
    assertTrue(chunks.stream().limit(chunks.size() - 1).allMatch(c -> c.size() == chunks.get(0).size()),
        "full batches but the last");
  }

  @Test
  void anEntryLargerThanABatchGoesAlone() {
    List<AuditEntry> entries = List.of(entry(1, 10), entry(2, 5_000), entry(3, 10));

    assertEquals(List.of(List.of(entries.get(0)), List.of(entries.get(1)), List.of(entries.get(2))),
        AuditTrail.chunks(entries, AuditTrail.BATCH_BYTES));
  }

  @Test
  void smallEntriesOfAStormShareOneBatch() {
    List<AuditEntry> entries = IntStream.rangeClosed(1, 3).mapToObj(n -> entry(n, 30)).toList();

    assertEquals(List.of(entries), AuditTrail.chunks(entries, AuditTrail.BATCH_BYTES));
  }
}
