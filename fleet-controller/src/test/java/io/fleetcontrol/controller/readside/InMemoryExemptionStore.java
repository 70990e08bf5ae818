package io.fleetcontrol.controller.readside;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.pekko.Done;

/** {@link ExemptionStore} in memory, for unit tests; {@link ReadSideStoreContract} holds it to the Cassandra one's word. */
public final class InMemoryExemptionStore implements ExemptionStore {

  private static final Comparator<ExemptionKey> QUEUE_ORDER = Comparator.comparing(ExemptionKey::requestTime)
      .thenComparing(ExemptionKey::deviceId).thenComparing(ExemptionKey::exemptionId);

  /** By device, then exemption id: the per-device table's order. */
  private final Map<String, ExemptionRow> rows = new ConcurrentSkipListMap<>();

  @Override
  public CompletionStage<Done> recordExemptionRequest(
      String deviceId, String exemptionId, String scope, String reason, String comment, Instant at) {
    return update(deviceId, exemptionId, r -> new ExemptionRow(deviceId, exemptionId, scope, reason, comment,
        "REQUESTED", at, r.expireTime(), r.decidedBy(), r.decisionReason(), r.decideTime()));
  }

  @Override
  public CompletionStage<Done> recordExemptionDecision(
      String deviceId, String exemptionId, String status, Instant expireTime, String by, String why, Instant at) {
    return update(deviceId, exemptionId, r -> new ExemptionRow(deviceId, exemptionId, r.scope(), r.reason(),
        r.comment(), status, r.requestTime(), expireTime, by, why, at));
  }

  @Override
  public CompletionStage<Done> recordExemptionRevocation(
      String deviceId, String exemptionId, String by, String why, Instant at) {
    return update(deviceId, exemptionId, r -> new ExemptionRow(deviceId, exemptionId, r.scope(), r.reason(),
        r.comment(), "REVOKED", r.requestTime(), r.expireTime(), by, why, at));
  }

  @Override
  public CompletionStage<Done> recordExemptionStatus(String deviceId, String exemptionId, String status) {
    return update(deviceId, exemptionId, r -> new ExemptionRow(deviceId, exemptionId, r.scope(), r.reason(),
        r.comment(), status, r.requestTime(), r.expireTime(), r.decidedBy(), r.decisionReason(), r.decideTime()));
  }

  @Override
  public CompletionStage<List<String>> exemptionMonths(String status, String fromMonth, int limit) {
    return done(queued(status).map(r -> ExemptionStore.exemptionMonth(r.requestTime())).distinct().sorted()
        .filter(m -> fromMonth == null || m.compareTo(fromMonth) >= 0).limit(limit).toList());
  }

  @Override
  public CompletionStage<List<ExemptionRow>> exemptionsOfMonth(String status, String month, ExemptionKey after, int limit) {
    return done(queued(status)
        .filter(r -> ExemptionStore.exemptionMonth(r.requestTime()).equals(month))
        .sorted(Comparator.comparing(ExemptionKey::of, QUEUE_ORDER))
        .filter(r -> after == null || QUEUE_ORDER.compare(ExemptionKey.of(r), after) > 0)
        .limit(limit).toList());
  }

  @Override
  public CompletionStage<List<ExemptionRow>> exemptionsOfDevice(String deviceId, String status, int limit) {
    return done(rows.values().stream().filter(r -> r.deviceId().equals(deviceId))
        .filter(r -> status == null || status.equals(r.status())).limit(limit).toList());
  }

  /** The queue holds rows with a request time and a known status, as the Cassandra one places them. */
  private Stream<ExemptionRow> queued(String status) {
    return rows.values().stream().filter(r -> r.requestTime() != null && status.equals(r.status()));
  }

  private CompletionStage<Done> update(String deviceId, String exemptionId, UnaryOperator<ExemptionRow> change) {
    rows.compute(deviceId + "\u0000" + exemptionId, (key, old) -> change.apply(old != null ? old
        : new ExemptionRow(deviceId, exemptionId, null, null, null, null, null, null, null, null, null)));
    return CompletableFuture.completedFuture(Done.getInstance());
  }

  private static <T> CompletionStage<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
