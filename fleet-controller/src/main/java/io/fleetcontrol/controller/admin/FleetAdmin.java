package io.fleetcontrol.controller.admin;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.proto.v1.PolicyVersionCount;
import io.fleetcontrol.wire.PolicyVersionWire;
import io.fleetcontrol.controller.grpc.PageTokens;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.controller.readside.DeviceFilter;
import io.fleetcontrol.controller.readside.FleetView;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.apache.pekko.grpc.GrpcServiceException;

/**
 * Fleet-wide questions behind the admin API (the summary, ListDevices), answered from this node's
 * {@link FleetView} of the device directory, never by asking every entity.
 */
public final class FleetAdmin {

  /** Dashboards poll the summary; counting 100,000 rows once per change and second is enough. */
  private static final Duration SUMMARY_REUSE = Duration.ofSeconds(1);

  private final FleetView fleet;
  private final PageTokens pageTokens;
  private final Duration askTimeout;
  private final Clock clock;
  private volatile CachedSummary lastSummary;

  public FleetAdmin(FleetView fleet, PageTokens pageTokens, Duration askTimeout, Clock clock) {
    this.fleet = fleet;
    this.pageTokens = pageTokens;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /** A summary and the fleet view it counted; connection states age, so it is reused briefly only. */
  private record CachedSummary(long changes, Instant at, GetFleetSummaryResponse summary) {}

  public CompletionStage<GetFleetSummaryResponse> summary() {
    return fleetLoaded().thenApply(ready -> {
      Instant now = clock.instant();
      CachedSummary cached = lastSummary;
      if (cached != null && cached.changes() == fleet.changes()
          && Duration.between(cached.at(), now).compareTo(SUMMARY_REUSE) < 0) {
        return cached.summary();
      }
      long changes = fleet.changes();
      var counts = new FleetCounts();
      fleet.all().forEach(counts::add);
      GetFleetSummaryResponse summary = counts.toProto();
      lastSummary = new CachedSummary(changes, now, summary);
      return summary;
    });
  }

  /** Counts by each dimension, built in one pass over the fleet view. */
  private static final class FleetCounts {
    private final GetFleetSummaryResponse.Builder out = GetFleetSummaryResponse.newBuilder();
    private final Map<String, Long> byCapture = new HashMap<>();
    private final Map<PolicyVersion, Long> byApplied = new HashMap<>();
    private final Map<String, Long> byJurisdiction = new HashMap<>();
    private final Map<String, Long> byLabel = new HashMap<>();

    void add(FleetView.Row row) {
      out.setTotal(out.getTotal() + 1);
      switch (row.connection()) {
        case ONLINE -> out.setOnline(out.getOnline() + 1);
        case STALE -> out.setStale(out.getStale() + 1);
        case OFFLINE -> out.setOffline(out.getOffline() + 1);
      }
      if (row.captureState() != null) {
        byCapture.merge(ProtoMapping.toProto(row.captureState()).name(), 1L, Long::sum);
      }
      var entry = row.entry();
      byApplied.merge(entry.appliedPolicy(), 1L, Long::sum);
      if (entry.jurisdiction() != null) {
        byJurisdiction.merge(entry.jurisdiction(), 1L, Long::sum);
      }
      if (entry.labels() != null) {
        entry.labels().forEach((k, v) -> byLabel.merge(k + "=" + v, 1L, Long::sum));
      }
    }

    GetFleetSummaryResponse toProto() {
      return out.putAllByCaptureState(byCapture)
          .putAllByJurisdiction(byJurisdiction)
          .putAllByLabel(byLabel)
          .addAllByAppliedPolicy(byApplied.entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(e -> PolicyVersionCount.newBuilder()
                  .setPolicy(PolicyVersionWire.toProto(e.getKey()))
                  .setDevices(e.getValue())
                  .build())
              .toList())
          .build();
    }
  }

  public CompletionStage<ListDevicesResponse> list(ListDevicesRequest in) {
    int pageSize = PageTokens.pageSize(in.getPageSize());
    Predicate<FleetView.Row> filter = DeviceFilter.from(in);
    String filters = PageTokens.filtersOf(in);
    String after = pageTokens.cursor(in.getPageToken(), "devices", filters);
    return fleetLoaded().thenApply(ready -> {
      FleetView.Page page = fleet.page(filter, after, pageSize);
      var out = ListDevicesResponse.newBuilder().setTotalSize(page.totalMatching());
      page.rows().forEach(row -> out.addDevices(ProtoMapping.toProto(row)));
      if (page.lastDeviceId() != null) {
        out.setNextPageToken(pageTokens.issue("devices", filters, page.lastDeviceId()));
      }
      return out.build();
    });
  }

  /** Fleet queries wait for the first load of the fleet view, but not for ever. */
  private CompletionStage<Void> fleetLoaded() {
    return fleet.loaded().toCompletableFuture().copy()
        .orTimeout(askTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(failure -> {
          throw new GrpcServiceException(Status.UNAVAILABLE.withDescription(
              "the fleet view is still loading from the read side; try again in a moment"));
        });
  }
}
