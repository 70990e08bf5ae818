package io.fleetcontrol.controller;

import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.ListDevicesRequest;
import java.time.Instant;
import java.util.function.Predicate;

/** The ListDevices filters as one predicate; a bad filter value is refused before any read. */
final class DeviceFilter {

  private DeviceFilter() {}

  static Predicate<Device> from(ListDevicesRequest in) {
    Predicate<Device> filter = device -> true;
    if (in.getConnectionStateValue() != 0) {
      if (in.getConnectionState() == ConnectionState.UNRECOGNIZED) {
        throw InputRules.invalid("connection_state " + in.getConnectionStateValue() + " is not a known state");
      }
      ConnectionState wanted = in.getConnectionState();
      filter = filter.and(d -> d.getConnectionState() == wanted);
    }
    if (in.getCaptureStateValue() != 0) {
      if (in.getCaptureState() == CaptureState.UNRECOGNIZED) {
        throw InputRules.invalid("capture_state " + in.getCaptureStateValue() + " is not a known state");
      }
      CaptureState wanted = in.getCaptureState();
      filter = filter.and(d -> d.getCaptureState() == wanted);
    }
    if (in.getAppliedPolicyVersion() < 0) {
      throw InputRules.invalid("applied_policy_version must not be negative");
    }
    if (in.getAppliedPolicyVersion() > 0) {
      long wanted = in.getAppliedPolicyVersion();
      filter = filter.and(d -> d.getAppliedPolicyVersion() == wanted);
    }
    if (!in.getJurisdiction().isEmpty()) {
      String wanted = InputRules.jurisdiction(in.getJurisdiction());
      filter = filter.and(d -> d.getJurisdiction().equals(wanted));
    }
    for (String label : in.getLabelsList()) {
      int eq = label.indexOf('=');
      if (eq <= 0) {
        throw InputRules.invalid("labels: " + InputRules.describe(label) + " must be key=value");
      }
      String key = label.substring(0, eq);
      String value = label.substring(eq + 1);
      filter = filter.and(d -> value.equals(d.getLabelsMap().get(key)));
    }
    if (in.hasLastSeenBefore()) {
      Instant before = ProtoMapping.fromProto(in.getLastSeenBefore());
      filter = filter.and(d -> d.hasLastSeenTime() && ProtoMapping.fromProto(d.getLastSeenTime()).isBefore(before));
    }
    if (in.hasLastSeenAfter()) {
      Instant after = ProtoMapping.fromProto(in.getLastSeenAfter());
      filter = filter.and(d -> d.hasLastSeenTime() && ProtoMapping.fromProto(d.getLastSeenTime()).isAfter(after));
    }
    return filter;
  }
}
