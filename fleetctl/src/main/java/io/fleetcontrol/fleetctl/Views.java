package io.fleetcontrol.fleetctl;

import io.fleetcontrol.wire.PolicyVersionWire;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Timestamp;
import io.fleetcontrol.proto.v1.AuditEvent;
import io.fleetcontrol.proto.v1.Device;
import io.fleetcontrol.proto.v1.GetDeviceResponse;
import io.fleetcontrol.proto.v1.GetFleetSummaryResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Proto messages as the objects {@code -o json|yaml} prints: snake_case keys, int64 as numbers
 * (protobuf's JsonFormat would quote them), states as the CLI's short words, times as ISO-8601.
 */
final class Views {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Views() {}

  static ObjectNode summary(GetFleetSummaryResponse summary) {
    ObjectNode node = NODES.objectNode();
    node.put("total", summary.getTotal());
    node.put("online", summary.getOnline());
    node.put("stale", summary.getStale());
    node.put("offline", summary.getOffline());
    node.set("by_capture_state", counts(Counts.sorted(summary.getByCaptureStateMap(),
        key -> StateNames.shortName(key, StateNames.CAPTURE_PREFIX))));
    ArrayNode byPolicy = node.putArray("by_applied_policy");
    summary.getByAppliedPolicyList().forEach(count -> byPolicy.addObject()
        .put("policy_name", count.getPolicy().getPolicyName())
        .put("version", count.getPolicy().getVersion())
        .put("devices", count.getDevices()));
    node.set("by_jurisdiction", counts(Counts.sorted(summary.getByJurisdictionMap())));
    node.set("by_label", counts(Counts.sorted(summary.getByLabelMap())));
    return node;
  }

  static ObjectNode device(Device device) {
    ObjectNode node = NODES.objectNode();
    node.put("device_id", device.getDeviceId());
    node.put("owner", device.getOwner());
    node.put("jurisdiction", device.getJurisdiction());
    ObjectNode labels = node.putObject("labels");
    device.getLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(label -> labels.put(label.getKey(), label.getValue()));
    node.put("connection_state", StateNames.of(device.getConnectionState()));
    node.put("capture_state", StateNames.of(device.getCaptureState()));
    node.put("capture_state_reason", device.getCaptureStateReason());
    node.putObject("applied_policy")
        .put("policy_name", device.getAppliedPolicy().getPolicyName())
        .put("version", device.getAppliedPolicy().getVersion());
    node.putObject("target_policy")
        .put("policy_name", device.getTargetPolicy().getPolicyName())
        .put("version", device.getTargetPolicy().getVersion());
    node.put("last_seen_time", isoTime(device.hasLastSeenTime(), device.getLastSeenTime()));
    node.put("enroll_time", isoTime(device.hasEnrollTime(), device.getEnrollTime()));
    node.put("agent_version", device.getAgentVersion());
    node.put("time_zone", device.getTimeZone());
    if (device.getIdentityState() != io.fleetcontrol.proto.v1.IdentityState.IDENTITY_STATE_UNSPECIFIED) {
      // GetDevice only: active, reset or revoked.
      node.put("identity_state", device.getIdentityState().name().substring("IDENTITY_STATE_".length())
          .toLowerCase(java.util.Locale.ROOT));
    }
    return node;
  }

  /** {@code {"devices": [...], "count": N}}. */
  static ObjectNode deviceList(List<Device> devices) {
    ObjectNode node = NODES.objectNode();
    ArrayNode array = node.putArray("devices");
    devices.forEach(device -> array.add(device(device)));
    node.put("count", devices.size());
    return node;
  }

  /** The device object plus its "history" array. */
  static ObjectNode deviceWithHistory(GetDeviceResponse response) {
    ObjectNode node = device(response.getDevice());
    ArrayNode array = node.putArray("history");
    for (AuditEvent event : response.getHistoryList()) {
      array.addObject()
          .put("event_time", isoTime(event.hasEventTime(), event.getEventTime()))
          .put("actor", event.getActor())
          .put("action", event.getAction())
          .put("detail", event.getDetail());
    }
    return node;
  }

  static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  /** Null (JSON null) when the field is unset, rather than 1970-01-01. */
  static String isoTime(boolean present, Timestamp timestamp) {
    return present ? instant(timestamp).toString() : null;
  }

  /** "engineering v3", or "none". */
  static String policy(io.fleetcontrol.proto.v1.PolicyVersion version) {
    return PolicyVersionWire.fromProto(version).toString();
  }

  /** What a device runs: "engineering v3", or "default v1 -> engineering v3" while it has not applied its target. */
  static String policy(Device device) {
    String applied = policy(device.getAppliedPolicy());
    String target = policy(device.getTargetPolicy());
    return applied.equals(target) ? applied : applied + " -> " + target;
  }

  private static ObjectNode counts(Map<String, Long> counts) {
    ObjectNode node = NODES.objectNode();
    counts.forEach(node::put);
    return node;
  }
}
