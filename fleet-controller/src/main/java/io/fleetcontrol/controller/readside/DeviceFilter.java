package io.fleetcontrol.controller.readside;

import io.fleetcontrol.policy.PolicyVersion;
import io.fleetcontrol.controller.grpc.InputRules;
import io.fleetcontrol.controller.grpc.ProtoMapping;
import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The ListDevices filters as one predicate over the fleet view; a bad filter value is refused
 * before anything is read.
 */
public final class DeviceFilter {

  private DeviceFilter() {}

  public static Predicate<FleetView.Row> from(ListDevicesRequest in) {
    Predicate<FleetView.Row> filter = row -> true;
    if (in.getConnectionStateValue() != 0) {
      if (in.getConnectionState() == ConnectionState.UNRECOGNIZED) {
        throw InputRules.invalid("connection_state " + in.getConnectionStateValue() + " is not a known state");
      }
      ConnectionState wanted = in.getConnectionState();
      filter = filter.and(row -> ProtoMapping.toProto(row.connection()) == wanted);
    }
    if (in.getCaptureStateValue() != 0) {
      if (in.getCaptureState() == CaptureState.UNRECOGNIZED) {
        throw InputRules.invalid("capture_state " + in.getCaptureStateValue() + " is not a known state");
      }
      CaptureState wanted = in.getCaptureState();
      filter = filter.and(row -> row.captureState() != null && ProtoMapping.toProto(row.captureState()) == wanted);
    }
    PolicyVersion applied = InputRules.policyVersion("applied_policy", in.getAppliedPolicy());
    if (!applied.policyName().isEmpty()) {
      // Version 0: any version of that policy.
      filter = filter.and(applied.version() == 0
          ? row -> applied.policyName().equals(row.entry().appliedPolicy().policyName())
          : row -> applied.equals(row.entry().appliedPolicy()));
    }
    if (!in.getJurisdiction().isEmpty()) {
      String wanted = InputRules.jurisdiction(in.getJurisdiction());
      filter = filter.and(row -> wanted.equals(row.entry().jurisdiction()));
    }
    for (Map.Entry<String, String> label : labels(in).entrySet()) {
      filter = filter.and(row -> row.entry().labels() != null
          && label.getValue().equals(row.entry().labels().get(label.getKey())));
    }
    Instant before = in.hasLastSeenBefore() ? InputRules.time("last_seen_before", in.getLastSeenBefore()) : null;
    Instant after = in.hasLastSeenAfter() ? InputRules.time("last_seen_after", in.getLastSeenAfter()) : null;
    if (before != null && after != null && !after.isBefore(before)) {
      throw InputRules.invalid("last_seen_after must be before last_seen_before");
    }
    if (before != null) {
      filter = filter.and(row -> row.lastSeen() != null && row.lastSeen().isBefore(before));
    }
    if (after != null) {
      filter = filter.and(row -> row.lastSeen() != null && row.lastSeen().isAfter(after));
    }
    return filter;
  }

  private static Map<String, String> labels(ListDevicesRequest in) {
    // A device has at most MAX_LABELS labels, so a longer filter matches nothing; refused before it costs a pass.
    if (in.getLabelsCount() > InputRules.MAX_LABELS) {
      throw InputRules.invalid("labels: at most " + InputRules.MAX_LABELS + " labels in a filter (got "
          + in.getLabelsCount() + ")");
    }
    Map<String, String> labels = new TreeMap<>();
    for (String label : in.getLabelsList()) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw InputRules.invalid("labels: " + InputRules.describe(label) + " must be key=value");
      }
      labels.put(label.substring(0, eq), label.substring(eq + 1));
    }
    return labels;
  }
}
