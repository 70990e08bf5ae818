package io.fleetcontrol.fleetctl;

import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceRequest;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryRequest;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import io.fleetcontrol.proto.v1.ListDevicesResponse;
import io.grpc.Status;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.grpc.javadsl.Metadata;

/** Canned AdminService answers, and a record of what the CLI sent. */
final class FakeAdminService extends UnimplementedAdminService {
  static final GetFleetSummaryResponse SUMMARY = GetFleetSummaryResponse.newBuilder()
      .setTotal(12).setOnline(9).setStale(2).setOffline(1)
      .putByCaptureState("CAPTURE_STATE_ACTIVE", 8)
      .putByCaptureState("CAPTURE_STATE_NO_POLICY", 3)
      .putByCaptureState("CAPTURE_STATE_PAUSED", 1)
      .putByPolicyVersion("2", 5).putByPolicyVersion("10", 4).putByPolicyVersion("0", 3)
      .putByJurisdiction("DE", 7).putByJurisdiction("FR", 5)
      .putByLabel("team=sales", 6)
      .build();

  static final List<Device> DEVICES = IntStream.rangeClosed(1, 5).mapToObj(FakeAdminService::device).toList();

  /** The one device GetDevice knows; every other id is NOT_FOUND. */
  static final String KNOWN_ID = "dev-01";
  /** A device id the fake never answers for, to exercise the deadline. */
  static final String SILENT_ID = "silent";

  final List<Metadata> metadata = new CopyOnWriteArrayList<>();
  final List<ListDevicesRequest> listRequests = new CopyOnWriteArrayList<>();

  void reset() {
    metadata.clear();
    listRequests.clear();
  }

  @Override
  public CompletionStage<GetFleetSummaryResponse> getFleetSummary(GetFleetSummaryRequest in, Metadata md) {
    metadata.add(md);
    return CompletableFuture.completedFuture(SUMMARY);
  }

  /** Pages through DEVICES honouring page_size; the token is the offset of the next page. */
  @Override
  public CompletionStage<ListDevicesResponse> listDevices(ListDevicesRequest in, Metadata md) {
    metadata.add(md);
    listRequests.add(in);
    int from = in.getPageToken().isEmpty() ? 0 : Integer.parseInt(in.getPageToken());
    int to = Math.min(DEVICES.size(), from + (in.getPageSize() == 0 ? 100 : in.getPageSize()));
    ListDevicesResponse.Builder page = ListDevicesResponse.newBuilder()
        .addAllDevices(DEVICES.subList(from, to))
        .setTotalSize(DEVICES.size());
    if (to < DEVICES.size()) {
      page.setNextPageToken(Integer.toString(to));
    }
    return CompletableFuture.completedFuture(page.build());
  }

  @Override
  public CompletionStage<GetDeviceResponse> getDevice(GetDeviceRequest in, Metadata md) {
    metadata.add(md);
    if (in.getDeviceId().equals(SILENT_ID)) {
      return new CompletableFuture<>();
    }
    if (!in.getDeviceId().equals(KNOWN_ID)) {
      return CompletableFuture.failedFuture(new GrpcServiceException(
          Status.NOT_FOUND.withDescription("device \"" + in.getDeviceId() + "\" is not enrolled")));
    }
    return CompletableFuture.completedFuture(GetDeviceResponse.newBuilder()
        .setDevice(DEVICES.get(0))
        .addHistory(AuditEvent.newBuilder()
            .setEventTime(timestamp(Instant.parse("2025-01-02T03:04:05Z")))
            .setActor("system").setAction("device.enrolled").setDeviceId(KNOWN_ID)
            .setDetail("enrolled with a bootstrap token"))
        .build());
  }

  /** dev-05 has never been seen, to show how a missing timestamp prints. */
  private static Device device(int n) {
    Device.Builder device = Device.newBuilder()
        .setDeviceId(String.format("dev-%02d", n))
        .setOwner("owner" + n + "@example.com")
        .setJurisdiction(n % 2 == 0 ? "FR" : "DE")
        .putLabels("team", "sales")
        .setAgentVersion("1.4." + n)
        .setEnrollTime(timestamp(Instant.parse("2025-01-02T03:04:05Z")))
        .setPolicyName("default")
        .setTargetPolicyVersion(2)
        .setAppliedPolicyVersion(n == 3 ? 1 : 2)
        .setConnectionState(n == 4 ? ConnectionState.CONNECTION_STATE_STALE : ConnectionState.CONNECTION_STATE_ONLINE)
        .setCaptureState(n == 3 ? CaptureState.CAPTURE_STATE_NO_POLICY : CaptureState.CAPTURE_STATE_ACTIVE)
        .setCaptureStateReason(n == 3 ? "waiting for policy" : "");
    if (n != 5) {
      device.setLastSeenTime(timestamp(Instant.now().minusSeconds(30)));
    }
    return device.build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }
}
