package io.fleetcontrol.enrollment;

import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Random;

/**
 * Not a test: what a fleet-wide enrollment token's state costs as its uses grow. Applies N spends
 * to a token's state as its event handler does, and adds up the snapshots a snapshot every
 * {@code SNAPSHOT_EVERY} spends would write (22-character keys plus a CBOR length byte each).
 * Prints one JSON line. Usage: {@code TokenSpendBenchmark N [SNAPSHOT_EVERY]} (docs/benchmarks.md).
 */
public final class TokenSpendBenchmark {

  public static void main(String[] args) {
    int spends = Integer.parseInt(args[0]);
    int snapshotEvery = args.length > 1 ? Integer.parseInt(args[1]) : EnrollmentToken.SNAPSHOT_EVERY;
    var created = new EnrollmentToken.TokenCreated("et-bench", null, "hash", "ops", Instant.now());
    var state = new EnrollmentToken.State(created, new HashSet<>(), null);
    Random random = new Random(1);
    byte[] key = new byte[16];
    long snapshotBytes = 0;
    long start = System.nanoTime();
    for (int i = 1; i <= spends; i++) {
      random.nextBytes(key);
      state = state.spent(Base64.getEncoder().withoutPadding().encodeToString(key));
      if (i % snapshotEvery == 0) {
        snapshotBytes += (long) state.spends().size() * 23;
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("{\"spends\":%d,\"apply_seconds\":%.3f,\"snapshot_every\":%d,\"snapshot_mb_written\":%.1f,"
        + "\"largest_snapshot_mb\":%.2f}%n", spends, seconds, snapshotEvery, snapshotBytes / 1e6,
        state.spends().size() * 23 / 1e6);
  }
}
